using System.Diagnostics;
using MmuGather.Sim.Scheduling;

namespace MmuGather.Swarm;

/// <summary>
/// The swarm: generate scenario after scenario, explore each with both strategies, shrink
/// every failure, and save it (as generated and shrunk, each with its replay line in a
/// comment). Jobs take every J-th scenario; results are kept by index, so everything but the
/// wall time is the same for any job count.
/// </summary>
public static class SwarmRunner
{
    /// <param name="o">Scenarios, runs, seed, jobs, output directory.</param>
    /// <param name="progress">Called after each scenario with its result, the scenarios done and the failures so far; from any job's thread.</param>
    public static SwarmSummary Run(SwarmOptions o, Action<SwarmCaseResult, int, int>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var results = new SwarmCaseResult[o.Scenarios];
        int done = 0;
        int failed = 0;
        var workers = new Thread[Math.Max(1, o.Jobs)];
        for (int j = 0; j < workers.Length; j++)
        {
            int job = j;
            workers[j] = new Thread(
                () =>
                {
                    using var pool = new CarrierPool();
                    for (int i = job; i < o.Scenarios; i += workers.Length)
                    {
                        if (o.TimeBudget is { } budget && clock.Elapsed > budget)
                        {
                            return;
                        }

                        results[i] = RunCase(o, i, pool);
                        int f = results[i].Outcome == SwarmOutcome.Clean ? Volatile.Read(ref failed) : Interlocked.Increment(ref failed);
                        progress?.Invoke(results[i], Interlocked.Increment(ref done), f);
                    }
                },
                16 << 20)
            { IsBackground = true, Name = $"swarm job {j}" };
            workers[j].Start();
        }

        foreach (Thread w in workers)
        {
            w.Join();
        }

        // Under a time budget some scenarios never started: the summary counts those that ran.
        return new SwarmSummary(o, [.. results.Where(r => r is not null)], clock.Elapsed.TotalSeconds);
    }

    /// <summary>Generates, explores, and (on failure) shrinks and saves scenario <paramref name="index"/>.</summary>
    public static SwarmCaseResult RunCase(SwarmOptions o, int index, CarrierPool? pool)
    {
        SwarmScenario s = SwarmGenerator.Generate(o.Seed, index);
        if (o.Bugs.Count > 0)
        {
            s = s with { Bugs = o.Bugs };
        }

        ulong seed = SplitMix64.Derive(o.Seed, index);
        SwarmFailure? failure = SwarmCaseChecker.Check(SwarmYaml.Render(s), seed, o.Runs, pool, out long interleavings);
        var result = new SwarmCaseResult(index, s.Machine.Arch, failure?.Outcome ?? SwarmOutcome.Clean, interleavings, failure);
        if (failure is null)
        {
            return result;
        }

        if (o.ShrinkBudget > 0)
        {
            var (small, smallFailure, attempts) = SwarmShrinker.Shrink(
                s, failure, c => SwarmCaseChecker.Check(SwarmYaml.Render(c), seed, o.Runs, pool, out _, failure), o.ShrinkBudget);
            result = result with { Shrunk = small, ShrunkFailure = smallFailure, ShrinkAttempts = attempts };
        }

        return o.OutDir is null ? result : Save(o.OutDir, s, result);
    }

    private static SwarmCaseResult Save(string dir, SwarmScenario original, SwarmCaseResult r)
    {
        Directory.CreateDirectory(dir);
        string orig = Path.Combine(dir, $"{original.Name}.yaml");
        File.WriteAllText(orig, SwarmYaml.Render(original, Header(r.Failure!, orig)));
        r = r with { OriginalPath = orig };
        if (r.Shrunk is { } small)
        {
            string path = Path.Combine(dir, $"{original.Name}-shrunk.yaml");
            File.WriteAllText(path, SwarmYaml.Render(small, Header(r.ShrunkFailure!, path)));
            r = r with { ShrunkPath = path };
        }

        return r;
    }

    private static IEnumerable<string> Header(SwarmFailure f, string path) =>
    [
        $"swarm failure: {f.Outcome} {f.Key}",
        .. f.Message.Split('\n').Select(l => $"  {l}"),
        $"replay with: {f.ReplayLine(path)}",
    ];
}
