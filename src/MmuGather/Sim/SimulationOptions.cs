using MmuGather.Machine;
using MmuGather.Mm;

namespace MmuGather.Sim;

/// <summary>Everything needed to build a run: machine shape, back-end, bug switches, fault plan, seed.</summary>
public sealed record SimulationOptions
{
    public string Name { get; init; } = "unnamed";

    public string Arch { get; init; } = "x86";

    public MachineOptions Machine { get; init; } = new();

    public KernelBug Bugs { get; init; }

    public AllocFailurePlan Failures { get; init; } = AllocFailurePlan.None;

    public ulong Seed { get; init; }
}
