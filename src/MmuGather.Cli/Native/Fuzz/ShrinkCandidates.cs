using MmuGather.Swarm;

namespace MmuGather.Cli.Native.Fuzz;

/// <summary>
/// The smaller neighbours of a sequence, biggest cut first: without the spinner, without
/// chunks of steps (halves down to single steps, delta debugging), then each range narrower,
/// to the end of its region or starting at 0, each write a read, then each mmap shorter,
/// anonymous or not populated. Every candidate is strictly smaller in one of these (a key
/// left out counts as smaller), so a greedy shrinker terminates.
/// </summary>
internal static class ShrinkCandidates
{
    private const ulong Page = SequenceGenerator.Page;

    public static IEnumerable<SwarmScenario> Of(SwarmScenario s)
    {
        SwarmProcess p = s.Processes[0];
        if (p.Threads.Count > 1)
        {
            yield return With(s, p.Threads[0].Steps, spinner: false);
        }

        IReadOnlyList<SwarmStep> steps = p.Threads[0].Steps;
        bool spinner = p.Threads.Count > 1;
        foreach (List<SwarmStep> fewer in Fewer(steps))
        {
            yield return With(s, fewer, spinner);
        }

        // Ranges before mappings: a shorter mapping clamps the ranges on it, and one page less
        // at a time would spend the budget while an offset to 0 or a whole-region range cuts it at once.
        foreach (bool mappings in new[] { false, true })
        {
            for (int i = 0; i < steps.Count; i++)
            {
                if ((steps[i].Kind == SwarmStepKind.Mmap) != mappings)
                {
                    continue;
                }

                foreach (SwarmStep simpler in Simpler(steps[i]))
                {
                    var edited = steps.ToList();
                    edited[i] = simpler;
                    yield return With(s, edited, spinner);
                }
            }
        }
    }

    /// <summary>The steps without one chunk, chunk sizes n/2, n/4, ..., 1.</summary>
    private static IEnumerable<List<SwarmStep>> Fewer(IReadOnlyList<SwarmStep> steps)
    {
        for (int size = Math.Max(1, steps.Count / 2); size >= 1; size /= 2)
        {
            for (int start = 0; start + size <= steps.Count; start += size)
            {
                yield return [.. steps.Take(start), .. steps.Skip(start + size)];
            }

            if (size == 1)
            {
                yield break;
            }
        }
    }

    private static IEnumerable<SwarmStep> Simpler(SwarmStep s)
    {
        if (s.Kind == SwarmStepKind.Mmap)
        {
            foreach (ulong length in Shorter(s.Length ?? Page))
            {
                yield return s with { Length = length };
            }

            if (s.MapKind != "anon")
            {
                yield return s with { MapKind = "anon" };
            }

            if (s.Populate)
            {
                yield return s with { Populate = false };
            }

            yield break;
        }

        if (!s.IsRange)
        {
            yield break;
        }

        if (s.Offset is { } o)
        {
            yield return s with { Offset = null };
            if (o / Page > 1)
            {
                yield return s with { Offset = o / Page / 2 * Page };
            }
        }

        if (s.Length is { } l)
        {
            yield return s with { Length = null }; // to the end of the region: one key fewer

            foreach (ulong length in Shorter(l))
            {
                yield return s with { Length = length };
            }
        }

        if (s.Write)
        {
            yield return s with { Write = false };
        }
    }

    /// <summary>1 page, half, three quarters, one page less: each shorter than <paramref name="length"/>.</summary>
    private static IEnumerable<ulong> Shorter(ulong length)
    {
        ulong pages = length / Page;
        var seen = new HashSet<ulong>();
        foreach (ulong p in new[] { 1UL, pages / 2, pages - (pages / 4), pages - 1 })
        {
            if (p >= 1 && p < pages && seen.Add(p))
            {
                yield return p * Page;
            }
        }
    }

    private static SwarmScenario With(SwarmScenario s, IEnumerable<SwarmStep> steps, bool spinner)
    {
        SwarmProcess p = s.Processes[0];
        var threads = new List<SwarmThread> { p.Threads[0] with { Steps = SequenceRepair.Fix(steps) } };
        if (spinner)
        {
            threads.Add(p.Threads[1]);
        }

        return s with { Processes = [p with { Threads = threads }] };
    }
}
