using System.Runtime.InteropServices;

namespace MmuGather.Bench;

/// <summary>
/// CPU time (user + system) of the calling thread: on Linux clock_gettime(CLOCK_THREAD_CPUTIME_ID),
/// the same clock bench/native/populate_munmap.c reads for the kernel. Unlike the wall clock it
/// does not grow while the thread waits for a CPU (a busy shared machine), and unlike the
/// process's CPU time it leaves out the runtime's background threads (tiered JIT, background GC).
/// Elsewhere it falls back to the process's CPU time.
/// </summary>
internal static class ThreadCpu
{
    private const int ClockThreadCpuTimeId = 3;

    public static TimeSpan Now()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTimeId, out Timespec ts) == 0)
        {
            return TimeSpan.FromTicks((ts.Seconds * TimeSpan.TicksPerSecond) + (ts.Nanoseconds / 100));
        }

        return Environment.CpuUsage.TotalTime;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clockId, out Timespec ts);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
