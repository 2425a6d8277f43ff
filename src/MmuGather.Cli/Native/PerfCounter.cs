using System.Buffers.Binary;

namespace MmuGather.Cli.Native;

/// <summary>
/// One counting perf event on the <c>tlb:tlb_flush</c> tracepoint filtered to the "remote
/// IPI send" reason. The session opens one per CPU (pid = -1), filtered to the worker
/// processes' threads by <c>common_pid</c>, not one per thread: since Linux 6.15 or so
/// do_exit calls perf_event_exit_task() before exit_mm(), so an event attached to a task
/// stops counting before that task's exit_mmap flushes, and a process teardown would read 0.
/// A CPU-wide event sees the dying thread to the end.
/// </summary>
internal sealed class PerfCounter : IDisposable
{
    private const uint TypeTracepoint = 2;
    private const int AttrSize = 64;

    private int _fd;

    private PerfCounter(int fd) => _fd = fd;

    /// <summary>
    /// Remote flush rounds sent from <paramref name="cpu"/> by any of <paramref name="tids"/>
    /// (a CPU-wide event: needs CAP_PERFMON or kernel.perf_event_paranoid &lt;= 0).
    /// </summary>
    public static PerfCounter? OpenCpuFlushRounds(int cpu, int tracepointId, int reason, IReadOnlyCollection<int> tids, out string? error)
    {
        PerfCounter? c = Open(TypeTracepoint, (ulong)tracepointId, -1, out error, cpu);
        if (c is null)
        {
            return null;
        }

        if (!c.Filter(reason, tids, out error))
        {
            c.Dispose();
            return null;
        }

        return c;
    }

    /// <summary>Counts only the rounds sent by <paramref name="tids"/>; the kernel allows this once per event.</summary>
    private bool Filter(int reason, IReadOnlyCollection<int> tids, out string? error)
    {
        string who = tids.Count == 0 ? "common_pid == 0" : string.Join(" || ", tids.Select(t => FormattableString.Invariant($"common_pid == {t}")));
        if (Libc.ioctl(_fd, Libc.PerfEventIocSetFilter, $"reason == {reason} && ({who})") != 0)
        {
            error = $"PERF_EVENT_IOC_SET_FILTER failed: {Libc.ErrnoText(Libc.Errno)}";
            return false;
        }

        error = null;
        return true;
    }

    private static PerfCounter? Open(uint type, ulong config, int tid, out string? error, int cpu = -1)
    {
        var attr = new byte[AttrSize];
        BinaryPrimitives.WriteUInt32LittleEndian(attr.AsSpan(0), type);
        BinaryPrimitives.WriteUInt32LittleEndian(attr.AsSpan(4), AttrSize);
        BinaryPrimitives.WriteUInt64LittleEndian(attr.AsSpan(8), config);

        // Flags (offset 40) all zero: enabled from now on, kernel and user, no inherit.
        long fd = Libc.syscall(Libc.SysPerfEventOpen, attr, tid, cpu, -1, 0);
        if (fd < 0)
        {
            error = $"perf_event_open(type {type}, config {config}, tid {tid}, cpu {cpu}) failed: {Libc.ErrnoText(Libc.Errno)}";
            return null;
        }

        error = null;
        return new PerfCounter((int)fd);
    }

    /// <summary>The current count (the final one once the thread has exited).</summary>
    public long Read()
    {
        long value = 0;
        nint n = Libc.read(_fd, ref value, sizeof(long));
        return n == sizeof(long) ? value : throw new IOException($"reading a perf counter failed: {(n < 0 ? Libc.ErrnoText(Libc.Errno) : $"{n} bytes")}");
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            Libc.close(_fd);
            _fd = -1;
        }
    }
}
