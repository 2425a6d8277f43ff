using MmuGather.Sim.Checkers;

namespace MmuGather.Sim;

/// <summary>
/// The outcome of one run. <see cref="Counters"/> cover the scenario's steps (what a
/// harness around the workload would measure); <see cref="Teardown"/> covers the implicit
/// exit of whatever was still alive at the end (exit_mmap, page-cache release, RCU barrier).
/// </summary>
public sealed record RunResult(
    string Scenario,
    string Arch,
    ulong Seed,
    IReadOnlyDictionary<string, long> Counters,
    IReadOnlyDictionary<string, long> Teardown,
    IReadOnlyList<StepResult> Steps,
    IReadOnlyList<Violation> Violations,
    long ViolationsTotal)
{
    public bool Clean => ViolationsTotal == 0;

    /// <summary>Per checker, in registration order: what it examined and how often it fired.</summary>
    public IReadOnlyList<CheckerCoverage> Checked { get; init; } = [];
}
