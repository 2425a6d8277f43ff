namespace MmuGather.Swarm;

/// <summary>
/// Greedy shrinking of a failing scenario: try smaller variants, biggest cuts first (a whole
/// process, a thread, a step, a machine option, a CPU, then halved lengths and simpler step
/// arguments), keep the first that still fails the same way, start over, and stop when no
/// variant fails or the attempt budget is spent. Each variant is repaired to a valid scenario
/// first (<see cref="SwarmRepair"/>), so a cut never turns into a parse error.
/// </summary>
public static class SwarmShrinker
{
    /// <summary>
    /// The smallest failing scenario found. <paramref name="stillFails"/> answers for a
    /// variant with its failure (null: it passed, or failed another way).
    /// </summary>
    public static (SwarmScenario Scenario, SwarmFailure Failure, int Attempts) Shrink(
        SwarmScenario s, SwarmFailure failure, Func<SwarmScenario, SwarmFailure?> stillFails, int budget)
    {
        int attempts = 0;
        bool progress = true;
        while (progress && attempts < budget)
        {
            progress = false;
            string current = SwarmYaml.Render(s);
            foreach (SwarmScenario candidate in SwarmShrinkSteps.Candidates(s))
            {
                if (SwarmRepair.Repair(candidate) is not { } valid || SwarmYaml.Render(valid) == current)
                {
                    continue;
                }

                if (++attempts > budget)
                {
                    break;
                }

                if (stillFails(valid) is { } f)
                {
                    (s, failure, progress) = (valid, f, true);
                    break;
                }
            }
        }

        return (s, failure, attempts);
    }
}
