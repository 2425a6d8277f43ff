using System.Buffers.Binary;

namespace MmuGather.Cli.Native;

/// <summary>
/// One counting perf event attached to one thread (pid = tid, any CPU, no inherit): the
/// <c>tlb:tlb_flush</c> tracepoint filtered to the "remote IPI send" reason. Opened by the session on the worker's threads, so the
/// count survives the thread: a perf event on a task that has exited keeps its final value.
/// </summary>
internal sealed class PerfCounter : IDisposable
{
    private const uint TypeTracepoint = 2;
    private const int AttrSize = 64;

    private int _fd;

    private PerfCounter(int fd) => _fd = fd;

    /// <summary>Remote flush rounds: tlb:tlb_flush with <c>reason == <paramref name="reason"/></c>.</summary>
    public static PerfCounter? OpenFlushRounds(int tid, int tracepointId, int reason, out string? error)
    {
        PerfCounter? c = Open(TypeTracepoint, (ulong)tracepointId, tid, out error);
        if (c is null)
        {
            return null;
        }

        if (Libc.ioctl(c._fd, Libc.PerfEventIocSetFilter, $"reason == {reason}") != 0)
        {
            error = $"PERF_EVENT_IOC_SET_FILTER failed: {Libc.ErrnoText(Libc.Errno)}";
            c.Dispose();
            return null;
        }

        return c;
    }

    private static PerfCounter? Open(uint type, ulong config, int tid, out string? error)
    {
        var attr = new byte[AttrSize];
        BinaryPrimitives.WriteUInt32LittleEndian(attr.AsSpan(0), type);
        BinaryPrimitives.WriteUInt32LittleEndian(attr.AsSpan(4), AttrSize);
        BinaryPrimitives.WriteUInt64LittleEndian(attr.AsSpan(8), config);

        // Flags (offset 40) all zero: enabled from now on, kernel and user, no inherit.
        long fd = Libc.syscall(Libc.SysPerfEventOpen, attr, tid, -1, -1, 0);
        if (fd < 0)
        {
            error = $"perf_event_open(type {type}, config {config}, tid {tid}) failed: {Libc.ErrnoText(Libc.Errno)}";
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
