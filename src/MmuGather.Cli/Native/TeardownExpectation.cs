using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Cli.Native;

/// <summary>
/// What the model expects of a process teardown on this host. A worker is a .NET process:
/// when its last thread exits, exit_mmap gathers the runtime's own resident pages (some
/// 10,000 here: heap, code, mapped libraries) together with the scenario's, so the batch
/// boundaries fall elsewhere than in the bare scenario. The model is run again with each
/// process given that footprint (<see cref="ProcessSpec.Footprint"/>: the worker's resident
/// pages when it said ready, the smallest and the largest over the repetitions), and the
/// exit steps are judged against the rounds of those runs.
/// </summary>
internal static class TeardownExpectation
{
    /// <summary>Per exit step (thread name, line): the model's rounds with the smallest and the largest footprint measured.</summary>
    public static Dictionary<(string Thread, int Line), (long Min, long Max)> For(Scenario model, IReadOnlyList<List<NativeSample>> runs)
    {
        var result = new Dictionary<(string, int), (long, long)>();
        if (!model.Processes.Any(p => p.Threads.Any(t => t.Steps.Any(s => s is ExitStep or ExitGroupStep))))
        {
            return result;
        }

        int[] processOf = model.Processes.SelectMany((p, i) => p.Threads.Select(_ => i)).ToArray();
        var samples = runs.SelectMany(r => r).Where(s => s.Footprint > 0).ToList();
        foreach (bool largest in new[] { false, true })
        {
            var processes = model.Processes.Select((p, i) =>
            {
                var mine = samples.Where(s => processOf[s.Thread] == i).Select(s => s.Footprint).ToList();
                long pages = mine.Count == 0 ? 0 : largest ? mine.Max() : mine.Min();
                return p with { Footprint = (ulong)pages * 4096 };
            }).ToList();
            RunResult run = ScenarioRunner.Build(model with { Processes = processes }, null, RunSettings.Default with { Strategy = Strategies.Turns }).Run();
            foreach (StepResult s in run.Steps.Where(s => s.Op is "exit" or "exit_group"))
            {
                (string, int) key = (s.Thread, s.Line);
                result[key] = result.TryGetValue(key, out var r) ? (Math.Min(r.Item1, s.RemoteFlushRounds), Math.Max(r.Item2, s.RemoteFlushRounds)) : (s.RemoteFlushRounds, s.RemoteFlushRounds);
            }
        }

        return result;
    }
}
