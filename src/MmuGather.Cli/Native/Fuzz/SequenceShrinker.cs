using MmuGather.Swarm;

namespace MmuGather.Cli.Native.Fuzz;

/// <summary>
/// Greedy delta debugging: takes the first smaller neighbour (<see cref="ShrinkCandidates"/>)
/// that still fails, and starts over from it, until none does or the budget of tries is
/// spent (each try runs the model and the host).
/// </summary>
internal static class SequenceShrinker
{
    public const int DefaultBudget = 300;

    /// <param name="failing">A sequence for which <paramref name="stillFails"/> holds.</param>
    /// <param name="stillFails">True when a candidate still mismatches in the same category.</param>
    /// <param name="budget">The most candidates tried.</param>
    public static SwarmScenario Shrink(SwarmScenario failing, Func<SwarmScenario, bool> stillFails, int budget = DefaultBudget)
    {
        ArgumentNullException.ThrowIfNull(failing);
        ArgumentNullException.ThrowIfNull(stillFails);
        SwarmScenario current = failing;
        int tries = 0;
        bool progressed = true;
        while (progressed && tries < budget)
        {
            progressed = false;
            foreach (SwarmScenario candidate in ShrinkCandidates.Of(current))
            {
                if (++tries > budget)
                {
                    break;
                }

                if (candidate.Processes[0].Threads[0].Steps.Count > 0 && stillFails(candidate))
                {
                    current = candidate;
                    progressed = true;
                    break;
                }
            }
        }

        return current;
    }
}
