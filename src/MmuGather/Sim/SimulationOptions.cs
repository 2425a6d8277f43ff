using MmuGather.Machine;
using MmuGather.Mm;

namespace MmuGather.Sim;

/// <summary>Everything needed to build a run: machine shape, back-end, bug switches, fault plan, seed, scheduling.</summary>
public sealed record SimulationOptions
{
    /// <summary>Scheduling points one run may take before it is reported as a livelock.</summary>
    public const long DefaultMaxPoints = 200_000_000;

    public string Name { get; init; } = "unnamed";

    public string Arch { get; init; } = "x86";

    public MachineOptions Machine { get; init; } = new();

    public KernelBug Bugs { get; init; }

    /// <summary>Which mmu_gather the kernel runs: today's (default) or the 2.6-era per-CPU one.</summary>
    public GatherMode GatherMode { get; init; } = GatherMode.Current;

    /// <summary>How mremap and fork flush: as Linux 6.18 does, or through a gather (the 2007 series).</summary>
    public FlushApi FlushApi { get; init; } = FlushApi.Linux;

    public AllocFailurePlan Failures { get; init; } = AllocFailurePlan.None;

    public ulong Seed { get; init; }

    /// <summary>turns (the default), time (measurement), random, or pct; see <see cref="Strategies"/>.</summary>
    public string Strategy { get; init; } = Strategies.Turns;

    /// <summary>PCT: the bug depth aimed at.</summary>
    public int PctDepth { get; init; } = 3;

    /// <summary>PCT: an estimate of the scheduling points in one run.</summary>
    public long PctSteps { get; init; } = 2000;

    /// <summary>Offer preemption (and migration) at preemption points (random strategy only takes it).</summary>
    public bool Preemption { get; init; } = true;

    public long MaxPoints { get; init; } = DefaultMaxPoints;
}
