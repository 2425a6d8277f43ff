using MmuGather.Swarm;

namespace MmuGather.Cli.Native.Fuzz;

/// <summary>
/// Makes an edited step list valid again: a range step whose name no earlier mmap defines is
/// dropped (the parser would refuse it), and a range is clamped to the length the latest mmap
/// of its name asked for (the host's per-page bookkeeping covers only that).
/// </summary>
internal static class SequenceRepair
{
    public static List<SwarmStep> Fix(IEnumerable<SwarmStep> steps)
    {
        var lengths = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var fixedSteps = new List<SwarmStep>();
        foreach (SwarmStep s in steps)
        {
            if (s.Kind == SwarmStepKind.Mmap)
            {
                lengths[s.Region] = s.Length ?? SequenceGenerator.Page;
                fixedSteps.Add(s);
            }
            else if (!s.IsRange)
            {
                fixedSteps.Add(s);
            }
            else if (lengths.TryGetValue(s.Region, out ulong length) && Clamp(s, length) is { } clamped)
            {
                fixedSteps.Add(clamped);
            }
        }

        return fixedSteps;
    }

    /// <summary>The range inside [0, length), or null when nothing of it is left.</summary>
    private static SwarmStep? Clamp(SwarmStep s, ulong length)
    {
        ulong offset = s.Offset ?? 0;
        if (offset >= length)
        {
            return null;
        }

        return s.Length is { } l && offset + l > length ? s with { Length = length - offset } : s;
    }
}
