using MmuGather.Explore;
using MmuGather.Machine;
using MmuGather.Scenarios;
using MmuGather.Sim;
using MmuGather.Sim.Scheduling;

namespace MmuGather.Swarm;

/// <summary>
/// Explores one generated scenario: parse it as the CLI would, then run
/// <c>runs</c> interleavings with the random walk and <c>runs</c> with PCT, each from the
/// scenario's own base seed, stopping at the first failure. Exceptions are outcomes here, not
/// crashes: a refusal, a broken invariant and any other escape are what the swarm hunts.
/// </summary>
public static class SwarmCaseChecker
{
    /// <summary>The strategies every case is explored with, in order.</summary>
    public static IReadOnlyList<string> StrategiesUsed { get; } = [Strategies.Random, Strategies.Pct];

    /// <summary>
    /// The first failure (null: clean) and the interleavings run. <paramref name="want"/>, when
    /// given, is a failure to reproduce (the shrinker's question): only the same kind counts,
    /// and only its strategy is explored.
    /// </summary>
    public static SwarmFailure? Check(string yaml, ulong baseSeed, int runs, CarrierPool? pool, out long interleavings, SwarmFailure? want = null)
    {
        interleavings = 0;
        Scenario scenario;
        try
        {
            scenario = ScenarioParser.Parse(yaml, "swarm.yaml");
        }
        catch (ScenarioException e)
        {
            var parse = new SwarmFailure(SwarmOutcome.ParseError, string.Empty, e.Message, Strategies.Turns, 0, 0);
            return want is null || parse.SameKind(want) ? parse : null;
        }

        foreach (string strategy in StrategiesUsed)
        {
            if (want is not null && want.Strategy != strategy)
            {
                continue;
            }

            SwarmFailure? f = Explore(scenario, strategy, baseSeed, runs, pool, want, ref interleavings);
            if (f is not null)
            {
                return f;
            }
        }

        return null;
    }

    private static SwarmFailure? Explore(Scenario scenario, string strategy, ulong baseSeed, int runs, CarrierPool? pool, SwarmFailure? want, ref long interleavings)
    {
        long pctSteps = 0;
        if (strategy == Strategies.Pct)
        {
            // PCT's k, as explore computes it; that turns run can fail too.
            SwarmFailure? estimate = Guard(strategy, 0, 0, () => { pctSteps = Explorer.EstimatePoints(scenario); return null; });
            if (estimate is not null)
            {
                return want is null || estimate.SameKind(want) ? estimate : null;
            }
        }

        RunSettings settings = new() { Strategy = strategy, PctDepth = 3, PctSteps = Math.Max(1, pctSteps), Pool = pool };
        for (long i = 0; i < runs; i++)
        {
            ulong seed = Explorer.SeedOf(baseSeed, i);
            interleavings++;
            SwarmFailure? f = Guard(strategy, seed, pctSteps, () => Outcome(Explorer.RunOne(scenario, settings, seed, i, out _), strategy, seed, pctSteps));
            if (f is not null && (want is null || f.SameKind(want)))
            {
                return f;
            }
        }

        return null;
    }

    private static SwarmFailure? Outcome(ExploreRun? bad, string strategy, ulong seed, long pctSteps)
    {
        if (bad is null)
        {
            return null;
        }

        // Explorer classifies what ended the run; the swarm keeps the kind, since a refusal
        // points at the generator and an internal error at the simulator.
        switch (bad.Outcome)
        {
            case ExploreOutcome.Failed:
                return new SwarmFailure(SwarmOutcome.InvariantBroken, string.Empty, bad.Failure ?? string.Empty, strategy, seed, pctSteps);
            case ExploreOutcome.Refused:
                return new SwarmFailure(SwarmOutcome.Refused, string.Empty, bad.Failure ?? string.Empty, strategy, seed, pctSteps);
            case ExploreOutcome.InternalError:
                string type = bad.Failure is { } m && m.IndexOf(':', StringComparison.Ordinal) is > 0 and int at ? m[..at] : "Exception";
                return new SwarmFailure(SwarmOutcome.InternalError, type, bad.Failure ?? string.Empty, strategy, seed, pctSteps);
        }

        Violation v = bad.Violations[0];
        return new SwarmFailure(SwarmOutcome.Violation, v.Checker, $"[{v.Checker}] {v.Step}: {v.Message}", strategy, seed, pctSteps);
    }

    /// <summary>Runs <paramref name="run"/>, turning what escapes it into a failure.</summary>
    private static SwarmFailure? Guard(string strategy, ulong seed, long pctSteps, Func<SwarmFailure?> run)
    {
        try
        {
            return run();
        }
        catch (ScenarioException e)
        {
            return new SwarmFailure(SwarmOutcome.Refused, string.Empty, e.What, strategy, seed, pctSteps);
        }
        catch (InvariantException e)
        {
            return new SwarmFailure(SwarmOutcome.InvariantBroken, string.Empty, e.Message, strategy, seed, pctSteps);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new SwarmFailure(SwarmOutcome.InternalError, e.GetType().Name, $"{e.GetType().Name}: {e.Message}", strategy, seed, pctSteps);
        }
    }
}
