namespace MmuGather.Swarm;

/// <summary>The shrinker's edits: every smaller variant of a scenario, biggest cuts first (not yet repaired).</summary>
public static class SwarmShrinkSteps
{
    public static IEnumerable<SwarmScenario> Candidates(SwarmScenario s)
    {
        return DropProcesses(s)
            .Concat(DropThreads(s))
            .Concat(DropSteps(s))
            .Concat(DropMachineOptions(s))
            .Concat(FewerCpus(s))
            .Concat(SimplerSteps(s));
    }

    private static IEnumerable<SwarmScenario> DropProcesses(SwarmScenario s)
    {
        for (int p = 0; p < s.Processes.Count && s.Processes.Count > 1; p++)
        {
            yield return s with { Processes = Without(s.Processes, p) };
        }
    }

    private static IEnumerable<SwarmScenario> DropThreads(SwarmScenario s)
    {
        for (int p = 0; p < s.Processes.Count; p++)
        {
            SwarmProcess proc = s.Processes[p];
            for (int t = 0; t < proc.Threads.Count && proc.Threads.Count > 1; t++)
            {
                yield return WithProcess(s, p, proc with { Threads = Without(proc.Threads, t) });
            }
        }
    }

    private static IEnumerable<SwarmScenario> DropSteps(SwarmScenario s) =>
        EachStep(s, (_, _) => [null]);

    private static IEnumerable<SwarmScenario> DropMachineOptions(SwarmScenario s)
    {
        SwarmMachine m = s.Machine;
        for (int i = 0; i < m.FailAlloc.Count; i++)
        {
            yield return s with { Machine = m with { FailAlloc = Without(m.FailAlloc, i) } };
        }

        if (m.Tlb is not null || m.WalkCache is not null)
        {
            yield return s with { Machine = m with { Tlb = null, WalkCache = null } };
        }

        if (s.Gather is not null)
        {
            yield return s with { Gather = null };
        }
    }

    private static IEnumerable<SwarmScenario> FewerCpus(SwarmScenario s)
    {
        if (s.Machine.Cpus > 1)
        {
            int cpus = s.Machine.Cpus - 1;
            yield return s with
            {
                Machine = s.Machine with { Cpus = cpus },
                Processes = [.. s.Processes.Select(p => p with { Threads = [.. p.Threads.Select(t => t with { Cpus = [.. t.Cpus.Select(c => c % cpus).Distinct()] })] })],
            };
        }

        for (int p = 0; p < s.Processes.Count; p++)
        {
            SwarmProcess proc = s.Processes[p];
            for (int t = 0; t < proc.Threads.Count; t++)
            {
                if (proc.Threads[t].Cpus.Count > 1)
                {
                    yield return WithProcess(s, p, proc with { Threads = Replace(proc.Threads, t, proc.Threads[t] with { Cpus = [proc.Threads[t].Cpus[0]] }) });
                }
            }
        }
    }

    private static IEnumerable<SwarmScenario> SimplerSteps(SwarmScenario s) => EachStep(s, Simpler);

    /// <summary>Simpler versions of one step; lengths shrink in the process's unit, so THP alignment holds.</summary>
    private static IEnumerable<SwarmStep?> Simpler(SwarmStep step, ulong unit)
    {
        if (step.Kind == SwarmStepKind.Mmap)
        {
            ulong units = (step.Length ?? unit) / unit;
            if (units > 1)
            {
                yield return step with { Length = unit * (units / 2) };
            }

            if (step.Populate)
            {
                yield return step with { Populate = false };
            }

            if (step.MapKind != "anon")
            {
                yield return step with { MapKind = "anon" };
            }

            if (step.Thp)
            {
                yield return step with { Thp = false };
            }

            yield break;
        }

        if (step.Kind == SwarmStepKind.Mremap)
        {
            if (step.MayMove)
            {
                yield return step with { MayMove = false };
            }

            if (step.Length is { } n && n / unit > 1)
            {
                yield return step with { Length = unit * (n / unit / 2) };
            }

            yield break;
        }

        if (step.IsRange && (step.Offset is not null || step.Length is not null))
        {
            yield return step with { Offset = null, Length = null };
        }

        if (step.IsRange && step.Length is { } l && l / unit > 1)
        {
            yield return step with { Length = unit * (l / unit / 2) };
        }

        if (step.Repeat > 1)
        {
            yield return step with { Repeat = 1 };
        }

        if (step.Write)
        {
            yield return step with { Write = false };
        }
    }

    /// <summary>Every scenario with one step replaced by one of <paramref name="edits"/> (null drops it).</summary>
    private static IEnumerable<SwarmScenario> EachStep(SwarmScenario s, Func<SwarmStep, ulong, IEnumerable<SwarmStep?>> edits)
    {
        for (int p = 0; p < s.Processes.Count; p++)
        {
            SwarmProcess proc = s.Processes[p];
            for (int t = 0; t < proc.Threads.Count; t++)
            {
                SwarmThread thread = proc.Threads[t];
                for (int i = 0; i < thread.Steps.Count; i++)
                {
                    foreach (SwarmStep? edit in edits(thread.Steps[i], proc.Unit))
                    {
                        IReadOnlyList<SwarmStep> steps = edit is null ? Without(thread.Steps, i) : Replace(thread.Steps, i, edit);
                        yield return WithProcess(s, p, proc with { Threads = Replace(proc.Threads, t, thread with { Steps = steps }) });
                    }
                }
            }
        }
    }

    private static SwarmScenario WithProcess(SwarmScenario s, int p, SwarmProcess proc) =>
        s with { Processes = Replace(s.Processes, p, proc) };

    private static List<T> Without<T>(IReadOnlyList<T> items, int index) =>
        [.. items.Where((_, i) => i != index)];

    private static List<T> Replace<T>(IReadOnlyList<T> items, int index, T value) =>
        [.. items.Select((x, i) => i == index ? value : x)];
}
