using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using MmuGather.Scenarios;

namespace MmuGather.Cli.Native;

/// <summary>One scenario thread: a dedicated OS thread pinned to its CPU, running its steps on demand.</summary>
internal sealed class WorkerThread(ThreadSpec spec, Dictionary<string, NativeRegion> regions, bool realtime)
{
    private const ulong PageSize = 4096;
    private const ulong HugeSize = 2UL << 20;
    private static int s_sink;
    private readonly SemaphoreSlim _go = new(0);
    private Thread? _thread;
    private int _goFlag;
    private int _next;
    private ThreadSpec _spec = spec;
    private bool _spinning;
    private bool _empty;
    private bool _stopSpinning;

    public ManualResetEventSlim Ready { get; } = new(false);

    public SemaphoreSlim Done { get; } = new(0);

    public int Tid { get; private set; }

    public string? PinError { get; private set; }

    public bool Exited { get; private set; }

    public long LastWallNs { get; private set; }

    public string LastOutcome { get; private set; } = "ok";

    /// <summary>Where the kernel must place the regions (null: anywhere, for the warm-up).</summary>
    public AddressArena? Arena { get; set; }

    public void Start()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = $"cpu{_spec.Cpu}" };
        _thread.Start();
    }

    /// <summary>The step the next turn runs, or null when none is left.</summary>
    public Step? NextStep => _next < _spec.Steps.Count ? _spec.Steps[_next] : null;

    /// <summary>New steps from the first (a sequence worker's next sequence); only while the thread waits for its turn.</summary>
    public void Load(ThreadSpec steps)
    {
        _spec = steps;
        _next = 0;
    }

    /// <summary>Ends a spin (the sequence is over): the thread waits for turns again, as an ordinary task.</summary>
    public void StopSpinning()
    {
        _stopSpinning = true;
        Go(empty: true);
        Done.Wait();
    }

    /// <summary>Hands the thread its turn: its next step, or an empty turn (warm-up).</summary>
    public void Go(bool empty = false)
    {
        _empty = empty;
        Volatile.Write(ref _goFlag, 1);
        _go.Release();
    }

    private void Loop()
    {
        Tid = Libc.gettid();
        Marshal.FreeHGlobal(Marshal.AllocHGlobal(64)); // glibc gives the thread its malloc arena now, not inside a step
        if (!Libc.Pin(0, 1UL << _spec.Cpu))
        {
            PinError = $"sched_setaffinity to CPU {_spec.Cpu}: {Libc.ErrnoText(Libc.Errno)}";
        }

        Ready.Set();
        while (true)
        {
            if (_spinning)
            {
                // User mode on this CPU, no system call, until the next turn.
                while (Volatile.Read(ref _goFlag) == 0)
                {
                }
            }
            else
            {
                _go.Wait();
            }

            Volatile.Write(ref _goFlag, 0);
            if (_stopSpinning)
            {
                if (_spinning)
                {
                    Libc.sched_setscheduler(0, 0, [0]); // SCHED_OTHER again
                }

                _spinning = false;
                _stopSpinning = false;
                while (_go.Wait(0))
                {
                    // Turns handed over while it spun were taken by the spin loop already.
                }
            }

            if (_empty)
            {
                long w0 = Stopwatch.GetTimestamp();
                LastWallNs = (long)Stopwatch.GetElapsedTime(w0).TotalNanoseconds;
                Done.Release();
                continue;
            }

            Step step = _spec.Steps[_next++];
            long t0 = Stopwatch.GetTimestamp();
            LastOutcome = Execute(step);
            LastWallNs = (long)Stopwatch.GetElapsedTime(t0).TotalNanoseconds;
            if (step is ExitStep)
            {
                Exited = true;
                Done.Release();

                // The scenario's thread is gone, but this OS thread never returns to glibc:
                // glibc's own thread teardown (MADV_DONTNEED of the unused stack, the runtime's
                // munmap of its signal stack) is user-space work the model's exit does not
                // contain, and on this host it costs a remote flush round of its own. Parked
                // in a futex wait, the thread leaves its CPU idle, as an exited one does.
                Thread.Sleep(Timeout.Infinite);
            }

            Done.Release();
        }
    }

    public string Execute(Step step)
    {
        switch (step)
        {
            case MmapStep m:
                return Mmap(m);
            case MunmapStep u:
                return WithRange(u.Region, u.Offset, u.Length, (_, start, len) =>
                    len == 0 ? "ok (nothing: an mremap left the region shorter than the offset)" :
                    Libc.munmap(start, (nuint)len) == 0 ? "ok" : "error: munmap: " + Libc.ErrnoText(Libc.Errno));
            case MremapStep r:
                return WithRange(r.Region, 0, null, (region, start, len) => Mremap(r, region, start, len));
            case MadviseStep a:
                return WithRange(a.Region, a.Offset, a.Length, (_, start, len) => DontNeed(start, len));
            case TouchStep t:
                return WithRange(t.Region, t.Offset, t.Length, (r, start, len) => Touch(r, start, len, t.Write, t.Repeat));
            case MprotectStep p:
                return WithRange(p.Region, p.Offset, p.Length, (r, start, len) => Mprotect(r, start, len, p.Prot));
            case WritebackStep w:
                return WithRange(w.Region, 0, null, (r, _, _) =>
                {
                    for (int i = 0; i < w.Repeat; i++)
                    {
                        if (Libc.fsync(r.Fd) != 0)
                        {
                            return "error: fsync: " + Libc.ErrnoText(Libc.Errno);
                        }
                    }

                    return "ok";
                });
            case SpinStep:
                _spinning = true;

                // Real-time priority: no ordinary task of the host takes this CPU from the
                // spinner (which would take the CPU out of the mm and change the count).
                if (!realtime)
                {
                    return "ok (SCHED_OTHER: its CPU is shared)";
                }

                return Libc.sched_setscheduler(0, Libc.SchedFifo, [1]) == 0 ? "ok" : "ok (not SCHED_FIFO: " + Libc.ErrnoText(Libc.Errno) + ")";
            case ExitStep:
                return "ok";
            case ExitGroupStep:
                // exit_group(2) from this scenario thread: the kernel ends every thread of
                // the process (the spinner too) and the last one out runs exit_mmap.
                Libc.ExitGroup(0);
                return "ok";
            default:
                return $"error: step {step.GetType().Name} is not run natively";
        }
    }

    /// <summary>
    /// MADV_DONTNEED: ENOMEM means part of the range is not mapped, and Linux has zapped the
    /// parts that are (madvise_walk_vmas goes on past the hole): an outcome, as in the model,
    /// not a failure of the run.
    /// </summary>
    private static string DontNeed(IntPtr start, ulong len)
    {
        if (Libc.madvise(start, (nuint)len, Libc.MadvDontneed) == 0)
        {
            return "ok";
        }

        int errno = Libc.Errno;
        return errno == Libc.Enomem ? "ok (ENOMEM: part of the range is not mapped)" : "error: madvise: " + Libc.ErrnoText(errno);
    }

    /// <summary>
    /// mremap of the whole region (MREMAP_MAYMOVE if asked); the region names the result from
    /// then on. The model's files have no end, so a file is first extended to the new length
    /// (ftruncate flushes nothing); ENOMEM (no room to grow, no leave to move) is an outcome, as
    /// in the model.
    /// </summary>
    private string Mremap(MremapStep step, NativeRegion r, IntPtr start, ulong len)
    {
        if (r.Fd >= 0 && step.Length > len && Libc.ftruncate(r.Fd, (long)step.Length) != 0)
        {
            return "error: ftruncate: " + Libc.ErrnoText(Libc.Errno);
        }

        IntPtr moved = Libc.mremap(start, (nuint)len, (nuint)step.Length, step.MayMove ? Libc.MremapMaymove : 0);
        if (moved == Libc.MapFailed)
        {
            int errno = Libc.Errno;
            return errno == Libc.Enomem ? "ok (ENOMEM: cannot grow in place)" : "error: mremap: " + Libc.ErrnoText(errno);
        }

        regions[step.Region] = new NativeRegion(moved, step.Length, r.Kind, r.Fd);
        return moved == start ? "ok" : $"ok (moved to 0x{(ulong)moved:x})";
    }

    private string WithRange(string name, ulong offset, ulong? length, Func<NativeRegion, IntPtr, ulong, string> action)
    {
        if (!regions.TryGetValue(name, out NativeRegion? r))
        {
            return $"error: region '{name}' was never mapped (its mmap failed)";
        }

        ulong len = length ?? (r.Length - Math.Min(offset, r.Length));
        return action(r, r.Start + (nint)offset, len);
    }

    /// <summary>mprotect(2) of the range; the region remembers the new rights for its touches.</summary>
    private static string Mprotect(NativeRegion r, IntPtr start, ulong len, string prot)
    {
        int bits = (prot.Contains('r') ? Libc.ProtRead : 0) | (prot.Contains('w') ? Libc.ProtWrite : 0) | (prot.Contains('x') ? Libc.ProtExec : 0);
        if (Libc.mprotect(start, (nuint)len, bits) != 0)
        {
            return "error: mprotect: " + Libc.ErrnoText(Libc.Errno);
        }

        Array.Fill(r.Prot, (byte)bits, (int)(((ulong)start - (ulong)r.Start) >> 12), (int)(len >> 12));
        return "ok";
    }

    private static string Touch(NativeRegion r, IntPtr start, ulong len, bool write, int repeat)
    {
        // The kernel says which pages are mapped (mincore fails with ENOMEM over a page no vma
        // covers): an access to the first such page would take SIGSEGV. It is reported instead
        // of made (the runtime would turn the signal into a crash), after the accesses before
        // it, as the model does. mincore into a reused buffer: nothing allocated, no fault of
        // the worker's own in the step's count.
        // A page mprotect made inaccessible (or read-only, for a store) faults the same way.
        ulong? hole = FirstUnmapped((ulong)start, (ulong)start + len);
        ulong? forbidden = r.FirstForbidden((ulong)start, hole ?? ((ulong)start + len), write);
        hole = forbidden ?? hole;
        long pages = (long)(((hole ?? ((ulong)start + len)) - (ulong)start) >> 12);
        int sink = 0;
        for (int pass = 0; pass < repeat; pass++)
        {
            for (long p = 0; p < pages; p++)
            {
                IntPtr va = start + (nint)(p << 12);
                if (write)
                {
                    Marshal.WriteByte(va, (byte)pass);
                }
                else
                {
                    sink += Marshal.ReadByte(va);
                }
            }
        }

        s_sink += sink;
        return hole is { } h ? $"segv at +0x{h - (ulong)r.Start:x}" : "ok";
    }

    private static readonly byte[] s_vec = new byte[4096];

    private static ulong? FirstUnmapped(ulong start, ulong end)
    {
        for (ulong chunk = start; chunk < end; chunk += (ulong)s_vec.Length << 12)
        {
            ulong chunkEnd = Math.Min(end, chunk + ((ulong)s_vec.Length << 12));
            if (Libc.mincore((nint)chunk, (nuint)(chunkEnd - chunk), s_vec) == 0)
            {
                continue;
            }

            for (ulong page = chunk; page < chunkEnd; page += 4096)
            {
                if (Libc.mincore((nint)page, 4096, s_vec) != 0)
                {
                    return page;
                }
            }
        }

        return null;
    }

    private string Mmap(MmapStep m)
    {
        int fd = -1;
        IntPtr addr;
        if (m.Kind == MappingKind.Anon)
        {
            // A length of whole huge pages is PMD-aligned by the kernel itself (as in the
            // model); any other thp length gets its alignment by hand.
            ulong extra = m.Thp && m.Length % HugeSize != 0 ? HugeSize : 0;
            addr = Libc.mmap(IntPtr.Zero, (nuint)(m.Length + extra), Libc.ProtRead | Libc.ProtWrite, Libc.MapPrivate | Libc.MapAnonymous, -1, 0);
            if (addr == Libc.MapFailed)
            {
                return "error: mmap: " + Libc.ErrnoText(Libc.Errno);
            }

            if (extra > 0)
            {
                // A 2 MiB aligned start, the unaligned head and tail given back (never touched).
                ulong raw = (ulong)addr;
                ulong aligned = (raw + HugeSize - 1) & ~(HugeSize - 1);
                if (aligned > raw)
                {
                    Libc.munmap(addr, (nuint)(aligned - raw));
                }

                ulong tail = raw + m.Length + extra - (aligned + m.Length);
                if (tail > 0)
                {
                    Libc.munmap((nint)(aligned + m.Length), (nuint)tail);
                }

                addr = (nint)aligned;
            }

            // The model's anonymous memory is 4 KiB pages unless thp: say so to the kernel.
            if (Libc.madvise(addr, (nuint)m.Length, m.Thp ? Libc.MadvHugepage : Libc.MadvNohugepage) != 0)
            {
                return "error: madvise(HUGEPAGE/NOHUGEPAGE): " + Libc.ErrnoText(Libc.Errno);
            }

            if (m.Populate && Libc.madvise(addr, (nuint)m.Length, Libc.MadvPopulateWrite) != 0)
            {
                return "error: madvise(MADV_POPULATE_WRITE): " + Libc.ErrnoText(Libc.Errno);
            }
        }
        else
        {
            string path = Path.Combine(Path.GetTempPath(), $"mmugather-native-{Environment.ProcessId}-{m.Name}-{Guid.NewGuid():N}");
            fd = Libc.open(path, Libc.ORdwr | Libc.OCreat | Libc.OExcl, Convert.ToInt32("600", 8));
            if (fd < 0)
            {
                return $"error: open {path}: " + Libc.ErrnoText(Libc.Errno);
            }

            Libc.unlink(path); // the file lives as long as the descriptor: nothing left behind
            if (Libc.ftruncate(fd, (long)m.Length) != 0)
            {
                return "error: ftruncate: " + Libc.ErrnoText(Libc.Errno);
            }

            // MAP_POPULATE read-faults a shared mapping and write-faults (copies) a private
            // writable one: the model's populate.
            int flags = (m.Kind == MappingKind.FileShared ? Libc.MapShared : Libc.MapPrivate) | (m.Populate ? Libc.MapPopulate : 0);
            addr = Libc.mmap(IntPtr.Zero, (nuint)m.Length, Libc.ProtRead | Libc.ProtWrite, flags, fd, 0);
            if (addr == Libc.MapFailed)
            {
                return "error: mmap: " + Libc.ErrnoText(Libc.Errno);
            }

            // The model's page cache holds what was faulted, nothing read ahead: MADV_RANDOM
            // (VM_RAND_READ) keeps the kernel's mmap read-around from caching the neighbours
            // of a faulting page (32 pages here), which mincore would report resident.
            if (Libc.madvise(addr, (nuint)m.Length, Libc.MadvRandom) != 0)
            {
                return "error: madvise(MADV_RANDOM): " + Libc.ErrnoText(Libc.Errno);
            }
        }

        regions[m.Name] = new NativeRegion(addr, m.Length, m.Kind, fd);
        if (Arena is { } arena && ((ulong)addr < arena.Bottom || (ulong)addr + m.Length > arena.Top))
        {
            return $"error: the kernel placed '{m.Name}' at 0x{(ulong)addr:x}, outside the arena [0x{arena.Bottom:x}, 0x{arena.Top:x}): its placement is not the model's";
        }

        return "ok";
    }
}
