namespace MmuGather.Machine;

/// <summary>
/// Cycles charged to the executing CPU's virtual clock for each modelled action. The clock
/// drives the time-ordered strategy and the latency figures (preemption-off stretches); it
/// never changes what the model does. Anchors (bare-metal Intel, reference §7) and how each
/// figure was derived are in docs/cost-model.md; back-ends may supply their own model.
/// </summary>
public sealed record CostModel
{
    /// <summary>x86-64, about 3 GHz.</summary>
    public static CostModel X86 { get; } = new();

    /// <summary>Cycles per nanosecond, for converting to wall-clock figures.</summary>
    public double CyclesPerNs { get; init; } = 3.0;

    /// <summary>A TLB hit: the access itself.</summary>
    public long TlbHit { get; init; } = 1;

    /// <summary>A dTLB miss served by the page walker (§7: about 45 cycles).</summary>
    public long TlbMiss { get; init; } = 45;

    /// <summary>One INVLPG (§7: 100-260).</summary>
    public long InvalidatePage { get; init; } = 200;

    /// <summary>A full flush (CR3 reload, §7: 100-400); the refill is paid later, miss by miss.</summary>
    public long FlushAll { get; init; } = 300;

    /// <summary>Sending an IPI (APIC write), on the sender.</summary>
    public long IpiSend { get; init; } = 300;

    /// <summary>From the send until the target starts its handler.</summary>
    public long IpiLatency { get; init; } = 1000;

    /// <summary>Interrupt entry and exit on the target, around the handler.</summary>
    public long IpiHandler { get; init; } = 700;

    /// <summary>Taking or releasing an uncontended lock, or one atomic operation.</summary>
    public long Atomic { get; init; } = 20;

    /// <summary>Clearing one PTE and handing its page to the gather.</summary>
    public long ZapPte { get; init; } = 40;

    /// <summary>Freeing one page (§6: munmap 250-290 ns per page, and freeing dominates).</summary>
    public long FreePage { get; init; } = 600;

    /// <summary>A page fault's entry, lookup and PTE install (the page's zeroing is separate).</summary>
    public long Fault { get; init; } = 1000;

    /// <summary>Zeroing or copying one 4 KiB page.</summary>
    public long ClearPage { get; init; } = 500;

    /// <summary>System call entry and exit.</summary>
    public long Syscall { get; init; } = 150;

    /// <summary>A context switch, either way.</summary>
    public long ContextSwitch { get; init; } = 2000;
}
