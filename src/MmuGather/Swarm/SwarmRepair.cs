namespace MmuGather.Swarm;

/// <summary>
/// Makes an edited scenario valid again, the way the generator builds one: steps naming a
/// region no earlier mmap (in file order) defines go, writeback only names file regions, a
/// range stays inside its region, CPUs exist, and no thread or process is left empty. The
/// shrinker's edits (drop an mmap, halve a length, remove a CPU) rely on it.
/// </summary>
public static class SwarmRepair
{
    /// <summary>The repaired scenario, or null when nothing is left to run.</summary>
    public static SwarmScenario? Repair(SwarmScenario s)
    {
        var processes = s.Processes.Select(p => Process(p, s.Machine.Cpus)).Where(p => p is not null).Select(p => p!).ToList();
        return processes.Count == 0 ? null : s with { Processes = processes };
    }

    private static SwarmProcess? Process(SwarmProcess p, int cpus)
    {
        var defined = new Dictionary<string, (ulong Length, bool File)>(StringComparer.Ordinal);
        var threads = new List<SwarmThread>();
        foreach (SwarmThread t in p.Threads)
        {
            var steps = t.Steps.Select(step => Step(step, defined)).Where(step => step is not null).Select(step => step!).ToList();
            List<int> where = [.. t.Cpus.Where(c => c < cpus).Distinct()];
            if (steps.Count > 0)
            {
                threads.Add(new SwarmThread(where.Count > 0 ? where : [t.Cpus[0] % cpus], steps));
            }
        }

        return threads.Count == 0 ? null : p with { Threads = threads };
    }

    private static SwarmStep? Step(SwarmStep step, Dictionary<string, (ulong Length, bool File)> defined)
    {
        if (step.Kind == SwarmStepKind.Mmap)
        {
            defined[step.Region] = (step.Length ?? 0, step.MapKind != "anon");
            return step;
        }

        if (step.Kind is SwarmStepKind.Spin or SwarmStepKind.Exit or SwarmStepKind.ExitGroup)
        {
            return step;
        }

        if (!defined.TryGetValue(step.Region, out var region))
        {
            return null;
        }

        if (step.Kind == SwarmStepKind.Writeback)
        {
            return region.File ? step : null;
        }

        ulong offset = step.Offset ?? 0;
        if (offset >= region.Length)
        {
            return step with { Offset = null, Length = null };
        }

        return step.Length is { } l && l > region.Length - offset ? step with { Length = null } : step;
    }
}
