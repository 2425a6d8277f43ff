using System.Diagnostics;
using MmuGather.Machine;
using MmuGather.Scenarios;
using MmuGather.Sim;
using MmuGather.Sim.Scheduling;

namespace MmuGather.Explore;

/// <summary>
/// Race hunting: runs one scenario under many seeded interleavings (random walk or PCT) and
/// collects the runs in which a checker fired or a model invariant broke, each with the seed
/// that replays it (<c>mmugather replay FILE --seed S --strategy X</c>). A run that reaches
/// what the model does not cover is refused, and one that raises is an internal error: both
/// are outcomes of that run, counted and kept like the others. Runs are independent;
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

    /// <summary>
    /// PCT's k from the turns pre-run, which may itself break an invariant, be refused or raise:
    /// it is then recorded like a seeded run that ended so (index <see cref="ExploreRun.PreRunIndex"/>,
    /// replayed by <c>run</c>), and k is the decisions it made up to there.
    /// </summary>
    private static long PreRun(Scenario scenario, SharedState state)
    {
        Simulation sim = ScenarioRunner.Build(scenario, settings: RunSettings.Default);
        ExploreRun? outcome = RunAndClassify(sim, sim.Options.Seed, ExploreRun.PreRunIndex);
        if (outcome is not null)
        {
            state.RecordPreRun(outcome);
        }

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

        var clock = Stopwatch.StartNew();
        var state = new SharedState(Math.Max(1, o.KeepFailing), o.StopOnFirst);
        long pctSteps = o.PctSteps ?? (o.Strategy == Strategies.Pct ? PreRun(scenario, state) : 0);
        RunSettings settings = SettingsFor(o, Math.Max(1, pctSteps));
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
                state.Record(i, bad, points);
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
        ExploreRun? run = RunAndClassify(sim, seed, index);
        points = sim.Scheduler.Points;
        return run;
    }

    /// <summary>
    /// Runs <paramref name="sim"/> and says how it ended; null when clean. Every exception is an
    /// outcome of this one run, so one odd interleaving never hides the summary of the others.
    /// </summary>
    private static ExploreRun? RunAndClassify(Simulation sim, ulong seed, long index)
    {
        try
        {
            RunResult r = sim.Run();
            return r.ViolationsTotal == 0
                ? null
                : new ExploreRun(index, seed, r.Violations, null, sim.Scheduler.Points) { ViolationsTotal = r.ViolationsTotal };
        }
        catch (InvariantException e)
        {
            return Ended(sim, seed, index, ExploreOutcome.Failed, $"{e.Step}: {e.Relationship}");
        }
        catch (ScenarioException e)
        {
            // Thrown at run time only by a step the interleaving led out of the model's reach
            // (the file was validated before): the message names the file, line and step.
            return Ended(sim, seed, index, ExploreOutcome.Refused, e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Ended(sim, seed, index, ExploreOutcome.InternalError, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static ExploreRun Ended(Simulation sim, ulong seed, long index, ExploreOutcome outcome, string what) =>
        new(index, seed, [], what, sim.Scheduler.Points) { Outcome = outcome };

    private static ExploreSummary Summarise(Scenario scenario, ExploreOptions o, long pctSteps, SharedState state, double wall)
    {
        List<ExploreRun> bad = [.. state.KeptBad.Values];
        long? first = bad.Count > 0 ? bad[0].Index : null;
        bool stopped = o.StopOnFirst && first is not null;

        // Stopping at the first bad run: every run before it was clean or refused, so the
        // summary is that one run and the refusals before it; jobs may have run a little past
        // it, which must not show (nor depend on --jobs).
        if (stopped)
        {
            bad = [bad[0]];
        }

        long limit = stopped ? first!.Value + 1 : o.Runs;
        IReadOnlyDictionary<string, long> byChecker = stopped ? CheckersOf(bad) : state.RunsByChecker;
        return new ExploreSummary(
            scenario.Name,
            o.Strategy,
            o.BaseSeed,
            pctSteps,
            Math.Max(0, Math.Min(limit, state.Done)),
            stopped ? Count(bad, ExploreOutcome.Violations) : state.RunsWithViolations,
            stopped ? Count(bad, ExploreOutcome.Failed) : state.RunsFailed,
            first,
            byChecker,
            bad,
            state.PointsUpTo(limit),
            wall)
        {
            RunsRefused = stopped ? state.RefusedBelow(limit) : state.RunsRefused,
            RunsInternalError = stopped ? Count(bad, ExploreOutcome.InternalError) : state.RunsInternalError,
            Refused = [.. state.KeptRefused.Values.Where(r => r.Index < limit)],
        };
    }

    private static long Count(IEnumerable<ExploreRun> runs, ExploreOutcome outcome) => runs.Count(r => r.Outcome == outcome);

    private static SortedDictionary<string, long> CheckersOf(IEnumerable<ExploreRun> runs)
    {
        var byChecker = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (ExploreRun run in runs)
        {
            AddCheckers(byChecker, run);
        }

        return byChecker;
    }

    private static void AddCheckers(SortedDictionary<string, long> byChecker, ExploreRun run)
    {
        foreach (string name in run.Violations.Select(v => v.Checker).Distinct())
        {
            byChecker[name] = byChecker.GetValueOrDefault(name) + 1;
        }
    }

    /// <summary>
    /// Results shared by the jobs (the only mutable state they share, under one lock). Bounded:
    /// counts for every run, details for the <c>keep</c> bad runs and the <c>keep</c> refused
    /// runs of lowest index only, and per-run scheduling points and refused indices only when
    /// stopping at the first bad run (the totals must then leave out the runs other jobs did
    /// past it).
    /// </summary>
    private sealed class SharedState(int keep, bool stopOnFirst)
    {
        private const int ChunkRuns = 1 << 16;

        private readonly object _lock = new();
        private readonly List<long[]> _pointChunks = [];
        private readonly List<long> _refusedIndices = [];
        private readonly SortedDictionary<string, long> _byChecker = new(StringComparer.Ordinal);
        private long _totalPoints;
        public long FirstBad = long.MaxValue;

        public SortedDictionary<long, ExploreRun> KeptBad { get; } = [];

        public SortedDictionary<long, ExploreRun> KeptRefused { get; } = [];

        public IReadOnlyDictionary<string, long> RunsByChecker => _byChecker;

        public long Done { get; private set; }

        /// <summary>Runs with violations, failed or with internal errors (what progress shows as bad).</summary>
        public long Bad { get; private set; }

        public long RunsWithViolations { get; private set; }

        public long RunsFailed { get; private set; }

        public long RunsRefused { get; private set; }

        public long RunsInternalError { get; private set; }

        public System.Runtime.ExceptionServices.ExceptionDispatchInfo? Error { get; private set; }

        public void Record(long index, ExploreRun? run, long points)
        {
            lock (_lock)
            {
                Done++;
                _totalPoints += points;
                if (stopOnFirst)
                {
                    StorePoints(index, points);
                }

                if (run is not null)
                {
                    Keep(run);
                }
            }
        }

        /// <summary>PCT's pre-run ended badly or was refused: neither a done run nor its points count, its outcome does.</summary>
        public void RecordPreRun(ExploreRun run)
        {
            lock (_lock)
            {
                Keep(run);
            }
        }

        /// <summary>Refused runs with index below <paramref name="limit"/> (only known when stopping at the first bad run).</summary>
        public long RefusedBelow(long limit) => _refusedIndices.Count(i => i < limit);

        private void Keep(ExploreRun run)
        {
            if (!run.IsBad)
            {
                KeepRefused(run);
                return;
            }

            Bad++;
            RunsWithViolations += run.Outcome == ExploreOutcome.Violations ? 1 : 0;
            RunsFailed += run.Outcome == ExploreOutcome.Failed ? 1 : 0;
            RunsInternalError += run.Outcome == ExploreOutcome.InternalError ? 1 : 0;
            AddCheckers(_byChecker, run);
            KeepLowest(KeptBad, run);
            if (run.Index < FirstBad)
            {
                Interlocked.Exchange(ref FirstBad, run.Index);
            }
        }

        private void KeepRefused(ExploreRun run)
        {
            RunsRefused++;
            if (stopOnFirst)
            {
                _refusedIndices.Add(run.Index);
            }

            KeepLowest(KeptRefused, run);
        }

        private void KeepLowest(SortedDictionary<long, ExploreRun> kept, ExploreRun run)
        {
            kept[run.Index] = run;
            if (kept.Count > keep)
            {
                kept.Remove(kept.Keys.Last());
            }
        }

        /// <summary>Scheduling points of the runs with index below <paramref name="limit"/>.</summary>
        public long PointsUpTo(long limit)
        {
            if (!stopOnFirst)
            {
                return _totalPoints;
            }

            long sum = 0;
            for (long i = 0; i < limit && (i / ChunkRuns) < _pointChunks.Count; i++)
            {
                sum += _pointChunks[(int)(i / ChunkRuns)][i % ChunkRuns];
            }

            return sum;
        }

        private void StorePoints(long index, long points)
        {
            while (_pointChunks.Count <= index / ChunkRuns)
            {
                _pointChunks.Add(new long[ChunkRuns]);
            }

            _pointChunks[(int)(index / ChunkRuns)][index % ChunkRuns] = points;
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
