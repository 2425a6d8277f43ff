using System.Globalization;
using MmuGather.Machine;

namespace MmuGather.Sim.Trace;

/// <summary>
/// Records one run as a timeline per CPU, for <see cref="TraceWriter"/> to print as
/// Chrome/Perfetto trace-event JSON: which simulated thread is on each CPU, the locks and
/// operations (munmap, madvise, exit) it holds, IPIs sent and taken, TLB invalidations, and
/// frame frees (consecutive frees on a CPU collapsed into one slice). Time is each CPU's
/// virtual clock, clamped so it never goes backwards on a track.
/// <para>
/// Slices on a track must nest for a viewer to draw them, but a thread may sleep while it
/// holds a mutex, and locks may be released out of order. So held locks and operations belong
/// to the thread: when it leaves a CPU its slices are closed there and reopened (marked
/// <c>continued</c>) on the CPU it next runs on, and an out-of-order release closes and
/// reopens the slices opened after it. The recorder is bounded: past
/// <see cref="MaxEvents"/> it drops new events and says so (<see cref="Truncated"/>).
/// Like every observer it only watches; the same run always gives the same events.
/// </para>
/// </summary>
public sealed class TraceRecorder : Observer
{
    /// <summary>The default cap on recorded events (about 100 MB of memory, a few hundred MB of JSON).</summary>
    public const int DefaultMaxEvents = 2_000_000;

    private readonly SimMachine _machine;
    private readonly List<TraceEvent> _events = [];
    private readonly long[] _lastTs;
    private readonly string?[] _thread;
    private readonly string[] _idleKey;
    private readonly List<TraceSlice>[] _stacks;
    private readonly Dictionary<string, List<TraceHold>> _holds = new(StringComparer.Ordinal);
    private readonly List<string> _owners = [];
    private TraceFreeBatch? _frees;

    /// <param name="machine">The machine whose CPUs and clocks the trace shows.</param>
    /// <param name="maxEvents">The cap on recorded events (at least 1).</param>
    public TraceRecorder(SimMachine machine, int maxEvents = DefaultMaxEvents)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEvents, 1);
        _machine = machine;
        MaxEvents = maxEvents;
        int cpus = machine.Cpus.Count;
        _lastTs = new long[cpus];
        _thread = new string?[cpus];
        _idleKey = Enumerable.Range(0, cpus).Select(c => string.Create(CultureInfo.InvariantCulture, $"CPU{c} (no thread)")).ToArray();
        _stacks = Enumerable.Range(0, cpus).Select(_ => new List<TraceSlice>()).ToArray();
    }

    public int MaxEvents { get; }

    /// <summary>The events in the order they were opened (a slice before the slices nested in it).</summary>
    public IReadOnlyList<TraceEvent> Events => _events;

    public int CpuCount => _thread.Length;

    /// <summary>For converting the clock's cycles to time.</summary>
    public double CyclesPerNs => _machine.Costs.CyclesPerNs;

    /// <summary>The cap was reached: the trace ends early, at the first dropped event.</summary>
    public bool Truncated => DroppedEvents > 0;

    public long DroppedEvents { get; private set; }

    /// <summary>Adds a recorder to <paramref name="simulation"/>'s events; call before it runs.</summary>
    public static TraceRecorder Attach(Simulation simulation, int maxEvents = DefaultMaxEvents)
    {
        ArgumentNullException.ThrowIfNull(simulation);
        var recorder = new TraceRecorder(simulation.Machine, maxEvents);
        simulation.Hub.Add(recorder);
        return recorder;
    }

    /// <summary>Closes whatever is still open (at each track's last time); call once the run is over.</summary>
    public void Finish()
    {
        FlushFrees();
        for (int cpu = 0; cpu < _stacks.Length; cpu++)
        {
            CloseAll(cpu);
        }
    }

    public override void ThreadOnCpu(int cpu, string? thread)
    {
        if (_thread[cpu] == thread)
        {
            return;
        }

        FlushFrees();
        if (thread is not null && Array.IndexOf(_thread, thread) is int previous and >= 0)
        {
            Show(previous, null);
        }

        Show(cpu, thread);
    }

    public override void LockAcquired(int cpu, string name, bool sleeping) =>
        Hold(cpu, name, sleeping ? "sleeping-lock" : "spinlock", [new("sleeping", sleeping)], -1);

    public override void LockReleased(int cpu, string name, bool sleeping)
    {
        FlushFrees();
        if (Find(OwnerOf(cpu), h => h.OperationId < 0 && h.Name == name) is { } hold)
        {
            Release(hold);
        }
    }

    public override void OperationStarted(long id, string operation, int asid, ulong start, ulong end) =>
        Hold(_machine.Current.Id, operation, "operation", [new("id", id), new("asid", (long)asid), new("start", Hex(start)), new("end", Hex(end))], id);

    public override void OperationReturned(long id, string operation, int asid, ulong start, ulong end)
    {
        FlushFrees();
        if (Find(OwnerOf(_machine.Current.Id), h => h.OperationId == id) is { } hold)
        {
            Release(hold);
        }
    }

    public override void IpiSent(int fromCpu, int toCpu, IpiKind kind) =>
        Instant(fromCpu, $"send {KindName(kind)} IPI", "ipi", [new("to", string.Create(CultureInfo.InvariantCulture, $"CPU{toCpu}"))]);

    public override void IpiDelivered(int fromCpu, int toCpu, IpiKind kind) =>
        Instant(toCpu, $"take {KindName(kind)} IPI", "ipi", [new("from", string.Create(CultureInfo.InvariantCulture, $"CPU{fromCpu}"))]);

    public override void TlbInvalidated(int cpu, int asid, ulong start, ulong end, bool walkCaches) =>
        Instant(cpu, end == ulong.MaxValue ? "flush TLB (all)" : "invalidate TLB range", "tlb", [
            new("asid", (long)asid),
            new("start", Hex(start)),
            new("end", end == ulong.MaxValue ? "all" : Hex(end)),
            new("walkCaches", walkCaches),
        ]);

    public override void FrameFreeing(int pfn, FrameKind kind, int order)
    {
        int cpu = _machine.Current.Id;
        if (_frees is null || _frees.Cpu != cpu)
        {
            FlushFrees();
            _frees = new TraceFreeBatch(cpu, Now(cpu), pfn);
        }

        _frees.Add(Now(cpu), kind, order);
    }

    // ------------------------------------------------------------------ holds

    private void Hold(int cpu, string name, string category, IReadOnlyList<TraceArg> args, long operationId)
    {
        FlushFrees();
        string owner = OwnerOf(cpu);
        var hold = new TraceHold(owner, name, category, args, operationId);
        HoldsOf(owner).Add(hold);
        Open(cpu, hold, continued: false);
    }

    /// <summary>The owner's most recent matching hold, else any owner's (a lock released by another thread).</summary>
    private TraceHold? Find(string owner, Func<TraceHold, bool> match) =>
        HoldsOf(owner).FindLast(h => match(h))
        ?? _owners.Select(o => _holds[o].FindLast(h => match(h))).FirstOrDefault(h => h is not null);

    private void Release(TraceHold hold)
    {
        if (hold.Cpu >= 0)
        {
            CloseAbove(hold);
        }

        _holds[hold.Owner].Remove(hold);
    }

    /// <summary>Closes <paramref name="hold"/>'s segment; the slices opened after it are closed and reopened.</summary>
    private void CloseAbove(TraceHold hold)
    {
        int cpu = hold.Cpu;
        List<TraceSlice> stack = _stacks[cpu];
        long ts = Now(cpu);
        var above = new List<TraceHold>();
        while (stack[^1].Hold != hold)
        {
            above.Add(CloseTop(cpu, ts)!);
        }

        CloseTop(cpu, ts);
        for (int i = above.Count - 1; i >= 0; i--)
        {
            Open(cpu, above[i], continued: true);
        }
    }

    private List<TraceHold> HoldsOf(string owner)
    {
        if (!_holds.TryGetValue(owner, out List<TraceHold>? holds))
        {
            holds = [];
            _holds[owner] = holds;
            _owners.Add(owner);
        }

        return holds;
    }

    private string OwnerOf(int cpu) => _thread[cpu] ?? _idleKey[cpu];

    // ------------------------------------------------------------------ tracks

    /// <summary>Puts <paramref name="thread"/> (null: no thread) on the CPU's track, with the slices of what it holds.</summary>
    private void Show(int cpu, string? thread)
    {
        CloseAll(cpu);
        _thread[cpu] = thread;
        if (thread is not null)
        {
            int index = Add(new TraceEvent(TracePhase.Complete, cpu, Now(cpu), Now(cpu), thread, "thread", []));
            _stacks[cpu].Add(new TraceSlice(index, null));
        }

        foreach (TraceHold hold in HoldsOf(OwnerOf(cpu)))
        {
            Open(cpu, hold, continued: true);
        }
    }

    private void Open(int cpu, TraceHold hold, bool continued)
    {
        long ts = Now(cpu);
        IReadOnlyList<TraceArg> args = continued ? [.. hold.Args, new TraceArg("continued", true)] : hold.Args;
        int index = Add(new TraceEvent(TracePhase.Complete, cpu, ts, ts, hold.Name, hold.Category, args));
        _stacks[cpu].Add(new TraceSlice(index, hold));
        hold.Cpu = cpu;
    }

    private void CloseAll(int cpu)
    {
        long ts = Now(cpu);
        while (_stacks[cpu].Count > 0)
        {
            CloseTop(cpu, ts);
        }
    }

    /// <summary>Ends the innermost open slice of the CPU at <paramref name="ts"/>; returns the hold it showed.</summary>
    private TraceHold? CloseTop(int cpu, long ts)
    {
        List<TraceSlice> stack = _stacks[cpu];
        TraceSlice top = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        if (top.EventIndex >= 0)
        {
            _events[top.EventIndex] = _events[top.EventIndex] with { End = ts };
        }

        if (top.Hold is { } hold)
        {
            hold.Cpu = -1;
        }

        return top.Hold;
    }

    private void Instant(int cpu, string name, string category, IReadOnlyList<TraceArg> args)
    {
        FlushFrees();
        long ts = Now(cpu);
        Add(new TraceEvent(TracePhase.Instant, cpu, ts, ts, name, category, args));
    }

    private void FlushFrees()
    {
        if (_frees is { } batch)
        {
            _frees = null;
            Add(new TraceEvent(TracePhase.Complete, batch.Cpu, batch.Start, batch.End, "free frames", "free", batch.Args()));
        }
    }

    /// <summary>Records <paramref name="e"/>; returns its index, or -1 when the cap dropped it.</summary>
    private int Add(TraceEvent e)
    {
        if (_events.Count >= MaxEvents)
        {
            DroppedEvents++;
            return -1;
        }

        _events.Add(e);
        return _events.Count - 1;
    }

    /// <summary>The CPU's clock, never earlier than the last time on its track.</summary>
    private long Now(int cpu)
    {
        long ts = Math.Max(_machine.Cpus[cpu].Clock, _lastTs[cpu]);
        _lastTs[cpu] = ts;
        return ts;
    }

    private static string KindName(IpiKind kind) => kind switch
    {
        IpiKind.TlbFlush => "TLB-flush",
        IpiKind.CallFunction => "call-function",
        _ => kind.ToString(),
    };

    private static string Hex(ulong value) => string.Create(CultureInfo.InvariantCulture, $"0x{value:x}");
}
