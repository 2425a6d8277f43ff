namespace MmuGather.Machine;

/// <summary>
/// One simulated CPU: its TLB and walk cache, the loaded translation root (CR3 / TTBR:
/// asid + root table), interrupt and preemption state, and counters of what it received.
/// Kernel-level per-CPU state (which mm is active, lazy TLB) lives with the kernel, not here.
/// </summary>
public sealed class Cpu
{
    /// <summary>IPIs one CPU may have pending at once: one per possible sender, and then some.</summary>
    public const int MaxPendingIpis = 256;

    private readonly Queue<(int From, IpiKind Kind, Action<Cpu> Handler, long SentAt)> _pendingIpis = new();
    private readonly long[] _ipisReceived = new long[Enum.GetValues<IpiKind>().Length];

    public Cpu(int id, Tlb tlb, WalkCache walkCache)
    {
        Id = id;
        Tlb = tlb;
        WalkCache = walkCache;
    }

    public int Id { get; }

    public Tlb Tlb { get; }

    public WalkCache WalkCache { get; }

    /// <summary>The asid in the translation root register; -1 when nothing user is loaded.</summary>
    public int LoadedAsid { get; internal set; } = -1;

    /// <summary>The root table frame the hardware walker starts from.</summary>
    public int LoadedRoot { get; internal set; }

    public int PreemptCount { get; private set; }

    /// <summary>This CPU's virtual time, in cycles of the machine's <see cref="CostModel"/>.</summary>
    public long Clock { get; internal set; }

    /// <summary>The longest stretch (cycles) this CPU ran with preemption disabled so far.</summary>
    public long MaxPreemptOff { get; private set; }

    /// <summary>Clock value when the current preemption-off stretch began.</summary>
    private long _preemptOffSince;

    public bool IrqsEnabled { get; internal set; } = true;

    public long IpisReceived(IpiKind kind) => _ipisReceived[(int)kind];

    public int PendingIpis => _pendingIpis.Count;

    /// <summary>
    /// Interrupt handlers this CPU has taken but not yet returned from. A handler may reach a
    /// scheduling point (x86's flush callback reads an atomic), so a dequeued IPI is not yet
    /// an acknowledged one: the sender waits for this to drop to zero too.
    /// </summary>
    public int IpisInService { get; internal set; }

    /// <summary>Clock value when this CPU finished its last interrupt handler (the acknowledgement).</summary>
    public long LastIpiHandledAt { get; internal set; }

    internal void PreemptDisable()
    {
        if (PreemptCount++ == 0)
        {
            _preemptOffSince = Clock;
        }
    }

    /// <summary>Returns the count left; closes a stretch when it reaches zero.</summary>
    internal int PreemptEnable()
    {
        if (--PreemptCount == 0)
        {
            MaxPreemptOff = Math.Max(MaxPreemptOff, Clock - _preemptOffSince);
        }

        return PreemptCount;
    }

    internal void CountIpi(IpiKind kind) => _ipisReceived[(int)kind]++;

    internal bool QueueIpi(int from, IpiKind kind, Action<Cpu> handler, long sentAt)
    {
        if (_pendingIpis.Count >= MaxPendingIpis)
        {
            return false;
        }

        _pendingIpis.Enqueue((from, kind, handler, sentAt));
        return true;
    }

    internal bool TryDequeueIpi(out (int From, IpiKind Kind, Action<Cpu> Handler, long SentAt) ipi) => _pendingIpis.TryDequeue(out ipi);
}
