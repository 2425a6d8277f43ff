using System.Diagnostics;
using MmuGather.Machine;
using MmuGather.Scenarios;
using MmuGather.Sim;
using MmuGather.Sim.Scheduling;

namespace MmuGather.Explore;

/// <summary>
/// Race hunting: runs one scenario under many seeded interleavings (random walk or PCT) and
/// collects the runs in which a checker fired or a model invariant broke, each with the seed
/// that replays it (<c>mmugather replay FILE --seed S --strategy X</c>). Runs are independent;
/// with several jobs each host thread takes every J-th run, and results are merged by run
/// index, so the summary is the same for any job count.
/// </summary>
public static class Explorer
{
    /// <summary>The seed of run <paramref name="index"/>.</summary>
    public static ulong SeedOf(ulong baseSeed, long index) => SplitMix64.Derive(baseSeed, index);

    /// <summary>PCT's k for a scenario: the decisions (points with a choice) of one turns-strategy run.</summary>
    public static long EstimatePoints(Scenario scenario)
    {
        Simulation sim = ScenarioRunner.Build(scenario, settings: RunSettings.Default);
        sim.Run();
        return Math.Max(1, sim.Scheduler.Decisions);
    }

    /// <summary>The settings one run of the exploration uses (replay uses the same).</summary>
    public static RunSettings SettingsFor(ExploreOptions o, long pctSteps) => new()
    {
        Strategy = o.Strategy,
        PctDepth = o.PctDepth,
        PctSteps = pctSteps,
    };

    /// <param name="scenario">The parsed scenario.</param>
    /// <param name="o">Runs, seed, strategy, jobs.</param>
    /// <param name="progress">Called now and then with (runs done, runs with violations); from any job's thread.</param>
    public static ExploreSummary Explore(Scenario scenario, ExploreOptions o, Action<long, long>? progress = null)
    {
        if (o.Runs < 1 || o.Runs > ExploreOptions.MaxRuns)
        {
            throw new ArgumentOutOfRangeException(nameof(o), $"runs must be 1..{ExploreOptions.MaxRuns}, got {o.Runs}");
        }

        if (o.Jobs < 1 || o.Jobs > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(o), $"jobs must be 1..256, got {o.Jobs}");
        }

        long pctSteps = o.PctSteps ?? (o.Strategy == Strategies.Pct ? EstimatePoints(scenario) : 0);
        RunSettings settings = SettingsFor(o, Math.Max(1, pctSteps));
        var clock = Stopwatch.StartNew();
        var state = new SharedState(o.Runs);
        var workers = new Thread[o.Jobs];
        for (int j = 0; j < o.Jobs; j++)
        {
            int job = j;
            workers[j] = new Thread(() => Work(scenario, o, settings, job, state, progress), 4 << 20) { IsBackground = true, Name = $"explore job {j}" };
            workers[j].Start();
        }

        foreach (Thread w in workers)
        {
            w.Join();
        }

        state.Error?.Throw();
        return Summarise(scenario, o, pctSteps, state, clock.Elapsed.TotalSeconds);
    }

    private static void Work(Scenario scenario, ExploreOptions o, RunSettings settings, int job, SharedState state, Action<long, long>? progress)
    {
        using var pool = new CarrierPool();
        settings = settings with { Pool = pool };
        try
        {
            for (long i = job; i < o.Runs; i += o.Jobs)
            {
                if (state.Error is not null || (o.StopOnFirst && i > Interlocked.Read(ref state.FirstBad)))
                {
                    return;
                }

                ExploreRun? bad = RunOne(scenario, settings, SeedOf(o.BaseSeed, i), i, out long points);
                state.Record(i, bad, points, o.StopOnFirst);
                if (state.Done % 64 == 0)
                {
                    progress?.Invoke(state.Done, state.Bad);
                }
            }
        }
        catch (Exception e)
        {
            state.Fail(e);
        }
    }

    /// <summary>One interleaving; null when it ran clean.</summary>
    public static ExploreRun? RunOne(Scenario scenario, RunSettings settings, ulong seed, long index, out long points)
    {
        Simulation sim = ScenarioRunner.Build(scenario, seed, settings);
        try
        {
            RunResult r = sim.Run();
            points = sim.Scheduler.Points;
            return r.Violations.Count == 0 ? null : new ExploreRun(index, seed, r.Violations, null, points);
        }
        catch (InvariantException e)
        {
            points = sim.Scheduler.Points;
            return new ExploreRun(index, seed, [], $"{e.Step}: {e.Relationship}", points);
        }
    }

    private static ExploreSummary Summarise(Scenario scenario, ExploreOptions o, long pctSteps, SharedState state, double wall)
    {
        List<ExploreRun> bad = [.. state.BadRuns.Values];
        long? first = bad.Count > 0 ? bad[0].Index : null;
        if (o.StopOnFirst && first is { } f)
        {
            // Jobs may have run a little past the first bad run: report exactly [0, first].
            bad = bad.Where(b => b.Index <= f).ToList();
        }

        long limit = o.StopOnFirst && first is { } stop ? stop + 1 : o.Runs;
        var byChecker = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (ExploreRun run in bad)
        {
            foreach (string name in run.Violations.Select(v => v.Checker).Distinct())
            {
                byChecker[name] = byChecker.GetValueOrDefault(name) + 1;
            }
        }

        return new ExploreSummary(
            scenario.Name,
            o.Strategy,
            o.BaseSeed,
            pctSteps,
            Math.Min(limit, state.Done),
            bad.Count(b => b.Violations.Count > 0),
            bad.Count(b => b.Failure is not null),
            first,
            byChecker,
            bad.Take(o.KeepFailing).ToList(),
            state.PointsUpTo(limit),
            wall);
    }

    /// <summary>Results shared by the jobs (the only mutable state they share, under one lock).</summary>
    private sealed class SharedState(int runs)
    {
        private readonly object _lock = new();
        private readonly long[] _points = new long[runs];
        public long FirstBad = long.MaxValue;

        public SortedDictionary<long, ExploreRun> BadRuns { get; } = [];

        public long Done { get; private set; }

        public long Bad { get; private set; }

        public System.Runtime.ExceptionServices.ExceptionDispatchInfo? Error { get; private set; }

        public void Record(long index, ExploreRun? bad, long points, bool stopOnFirst)
        {
            lock (_lock)
            {
                Done++;
                _points[index] = points;
                if (bad is null)
                {
                    return;
                }

                Bad++;
                BadRuns[index] = bad;
                if (index < FirstBad)
                {
                    Interlocked.Exchange(ref FirstBad, index);
                }
            }
        }

        public long PointsUpTo(long limit)
        {
            long sum = 0;
            for (long i = 0; i < Math.Min(limit, _points.Length); i++)
            {
                sum += _points[i];
            }

            return sum;
        }

        public void Fail(Exception e)
        {
            lock (_lock)
            {
                Error ??= System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
            }
        }
    }
}
