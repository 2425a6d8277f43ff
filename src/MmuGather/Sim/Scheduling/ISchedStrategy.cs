namespace MmuGather.Sim.Scheduling;

/// <summary>
/// Picks what happens next at a scheduling point. A strategy sees the legal choices in a
/// fixed order (delivers by CPU, places by thread then CPU, runs by thread) and returns the
/// index of one; it may only use randomness from the seed it was given, so the same seed
/// gives the same run.
/// </summary>
public interface ISchedStrategy
{
    string Name { get; }

    /// <summary>
    /// True when the run is one serial timeline (random walk, PCT): a CPU that starts running
    /// catches its clock up with the one that ran before. False for the time-ordered
    /// strategy, where CPUs run in parallel on their own clocks.
    /// </summary>
    bool SerialTime { get; }

    /// <summary>Called once before the run starts.</summary>
    void Start(int threads, int cpus);

    /// <summary>Returns an index into <paramref name="choices"/> (at least two of them).</summary>
    int Choose(ReadOnlySpan<SchedChoice> choices, ISchedView view);
}
