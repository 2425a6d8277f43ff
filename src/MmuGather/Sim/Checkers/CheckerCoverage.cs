namespace MmuGather.Sim.Checkers;

/// <summary>
/// What one checker looked at in a run: how many events it judged (<see cref="Examined"/>,
/// counting <see cref="What"/>) and how many violations it found. A clean run is only
/// evidence where <see cref="Examined"/> is not zero.
/// </summary>
public sealed record CheckerCoverage(string Checker, long Examined, string What, long Fired);
