using MmuGather.Swarm;

namespace MmuGather.Cli.Native.Fuzz;

/// <summary>
/// Renames a sequence's regions r0, r1, ... in the order they are mapped, so that two
/// shrunk mismatches that differ only in names are the same file (saved once).
/// </summary>
internal static class SequenceCanon
{
    public static SwarmScenario Rename(SwarmScenario s)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (SwarmStep step in s.Processes.SelectMany(p => p.Threads).SelectMany(t => t.Steps).Where(x => x.Kind == SwarmStepKind.Mmap))
        {
            names.TryAdd(step.Region, $"r{names.Count}");
        }

        SwarmThread Renamed(SwarmThread t) =>
            t with { Steps = [.. t.Steps.Select(x => names.TryGetValue(x.Region, out string? n) ? x with { Region = n } : x)] };

        return s with { Processes = [.. s.Processes.Select(p => p with { Threads = [.. p.Threads.Select(Renamed)] })] };
    }

    /// <summary>The YAML of the steps alone (no name, no header): equal for the same scenario.</summary>
    public static string Body(SwarmScenario s) => SequenceGenerator.Render(Rename(s) with { Name = "-" });
}
