using MmuGather.Sim.Scheduling;

namespace MmuGather.Sim;

/// <summary>The scheduling strategies by name.</summary>
public static class Strategies
{
    public const string Turns = "turns";
    public const string Time = "time";
    public const string Random = "random";
    public const string Pct = "pct";

    public static IReadOnlyList<string> Names { get; } = [Turns, Time, Random, Pct];

    public static ISchedStrategy Create(SimulationOptions o) => o.Strategy switch
    {
        Turns => new TurnsStrategy(),
        Time => new TimeOrderedStrategy(),
        Random => new RandomWalkStrategy(o.Seed),
        Pct => new PctStrategy(o.Seed, o.PctDepth, o.PctSteps),
        _ => throw new ArgumentException($"unknown strategy '{o.Strategy}' (known: {string.Join(", ", Names)})"),
    };
}
