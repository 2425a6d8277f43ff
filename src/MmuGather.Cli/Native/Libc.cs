using System.Runtime.InteropServices;

namespace MmuGather.Cli.Native;

/// <summary>
/// Hand-written P/Invokes into glibc for the native executor (x86-64 Linux only; the
/// constants are x86-64's). Every call returns the raw result; <see cref="Errno"/> reads errno.
/// </summary>
internal static class Libc
{
    public const int ProtRead = 1;
    public const int ProtWrite = 2;
    public const int ProtExec = 4;
    public const int MapShared = 0x01;
    public const int MapPrivate = 0x02;
    public const int MapAnonymous = 0x20;
    public const int MapPopulate = 0x8000;
    public const int MadvRandom = 1;
    public const int MadvDontneed = 4;
    public const int MadvHugepage = 14;
    public const int MadvNohugepage = 15;
    public const int MadvPopulateWrite = 23;
    public const int MremapMaymove = 1;
    public const int PrSetPdeathsig = 1;
    public const int Enomem = 12;
    public const int SchedFifo = 1;
    public const int Sigkill = 9;
    public const int ORdwr = 2;
    public const int OCreat = 0x40;
    public const int OExcl = 0x80;
    public const long SysPerfEventOpen = 298;

    /// <summary>_IOW('$', 6, char *): PERF_EVENT_IOC_SET_FILTER.</summary>
    public const ulong PerfEventIocSetFilter = 0x40082406;

    public static readonly IntPtr MapFailed = new(-1);

    [DllImport("libc", SetLastError = true)]
    public static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

    [DllImport("libc", SetLastError = true)]
    public static extern int munmap(IntPtr addr, nuint length);

    /// <summary>mremap(2) without MREMAP_FIXED: the variadic new_address is never read.</summary>
    [DllImport("libc", SetLastError = true)]
    public static extern IntPtr mremap(IntPtr oldAddress, nuint oldSize, nuint newSize, int flags);

    [DllImport("libc", SetLastError = true)]
    public static extern int mprotect(IntPtr addr, nuint length, int prot);

    [DllImport("libc", SetLastError = true)]
    public static extern int madvise(IntPtr addr, nuint length, int advice);

    [DllImport("libc", SetLastError = true)]
    public static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    public static extern int mincore(IntPtr addr, nuint length, byte[] vec);

    [DllImport("libc", SetLastError = true)]
    public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", SetLastError = true)]
    public static extern int unlink([MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [DllImport("libc", SetLastError = true)]
    public static extern int ftruncate(int fd, long length);

    [DllImport("libc", SetLastError = true)]
    public static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    public static extern nint read(int fd, ref long buffer, nint count);

    [DllImport("libc", SetLastError = true)]
    public static extern int ioctl(int fd, ulong request, [MarshalAs(UnmanagedType.LPUTF8Str)] string arg);

    [DllImport("libc", SetLastError = true)]
    public static extern long syscall(long number, byte[] attr, int pid, int cpu, int groupFd, ulong flags);

    [DllImport("libc", SetLastError = true)]
    public static extern int sched_setaffinity(int pid, nuint size, ulong[] mask);

    [DllImport("libc", SetLastError = true)]
    public static extern int sched_getaffinity(int pid, nuint size, ulong[] mask);

    [DllImport("libc", SetLastError = true)]
    public static extern int sched_setscheduler(int pid, int policy, int[] param);

    [DllImport("libc", SetLastError = true)]
    public static extern int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [DllImport("libc")]
    public static extern int gettid();

    [DllImport("libc")]
    public static extern int getppid();

    [DllImport("libc", SetLastError = true)]
    public static extern int mount(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string source,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string target,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string type,
        ulong flags,
        IntPtr data);

    /// <summary>exit_group(2) without running any .NET shutdown: the process and all its threads end now.</summary>
    [DllImport("libc", EntryPoint = "_exit")]
    public static extern void ExitGroup(int status);

    public static int Errno => Marshal.GetLastPInvokeError();

    public static string ErrnoText(int errno) => $"errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})";

    /// <summary>The CPUs thread <paramref name="tid"/> (0: the caller) may run on, or 0 when it cannot be read.</summary>
    public static ulong Affinity(int tid)
    {
        var set = new ulong[16];
        return sched_getaffinity(tid, (nuint)(set.Length * sizeof(ulong)), set) == 0 ? set[0] : 0;
    }

    /// <summary>Pins thread <paramref name="tid"/> (0: the caller) to the CPUs of <paramref name="mask"/>.</summary>
    public static bool Pin(int tid, ulong mask)
    {
        var set = new ulong[16];
        set[0] = mask;
        return sched_setaffinity(tid, (nuint)(set.Length * sizeof(ulong)), set) == 0;
    }
}
