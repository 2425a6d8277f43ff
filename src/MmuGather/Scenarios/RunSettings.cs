using MmuGather.Sim;
using MmuGather.Sim.Scheduling;

namespace MmuGather.Scenarios;

/// <summary>How to schedule a run (the command line's choice, not the scenario's).</summary>
public sealed record RunSettings
{
    public static RunSettings Default { get; } = new();

    /// <summary>turns, time, random or pct.</summary>
    public string Strategy { get; init; } = Strategies.Turns;

    public int PctDepth { get; init; } = 3;

    public long PctSteps { get; init; } = 2000;

    public bool Preemption { get; init; } = true;

    public long MaxPoints { get; init; } = SimulationOptions.DefaultMaxPoints;

    /// <summary>Host carriers to reuse (an exploration job's); never changes a result.</summary>
    public CarrierPool? Pool { get; init; }
}
