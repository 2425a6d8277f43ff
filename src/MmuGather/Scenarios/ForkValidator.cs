namespace MmuGather.Scenarios;

/// <summary>
/// Checks <c>forked_from</c> and the <c>fork</c> steps: every parent exists and no process
/// descends from itself; each fork step names a process declared forked_from the forking
/// process, and is that child's only fork; every forked_from process is forked by some step
/// (a child nobody forks would never run: refused, not silently skipped). Then checks each
/// child's regions against its own mmaps plus what it inherits from its ancestors.
/// </summary>
internal static class ForkValidator
{
    public static void Validate(ScenarioNodeReader reader, IReadOnlyList<ProcessSpec> processes)
    {
        var byName = processes.ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (ProcessSpec p in processes.Where(p => p.ForkedFrom is not null))
        {
            CheckAncestry(reader, byName, p);
            if (p.Footprint > 0)
            {
                throw reader.Error(p.Line, $"process '{p.Name}' is forked_from '{p.ForkedFrom}': it inherits its parent's memory, so it cannot have a footprint of its own");
            }
        }

        var forkedBy = new Dictionary<string, ForkStep>(StringComparer.Ordinal);
        foreach (ProcessSpec p in processes)
        {
            foreach (ForkStep fork in p.Threads.SelectMany(t => t.Steps).OfType<ForkStep>())
            {
                CheckForkStep(reader, byName, forkedBy, p, fork);
            }
        }

        foreach (ProcessSpec p in processes.Where(p => p.ForkedFrom is not null && !forkedBy.ContainsKey(p.Name)))
        {
            throw reader.Error(p.Line, $"process '{p.Name}' is forked_from '{p.ForkedFrom}' but no thread of '{p.ForkedFrom}' has a '- fork: {{ child: {p.Name} }}' step, so it would never run");
        }

        foreach (ProcessSpec p in processes.Where(p => p.ForkedFrom is not null))
        {
            RegionValidator.Validate(reader, p.Name, p.Threads, Inherited(byName, byName[p.ForkedFrom!]));
        }
    }

    /// <summary>The regions a child of <paramref name="parent"/> may name: the parent's, its ancestors' below them.</summary>
    public static Dictionary<string, MmapStep> Inherited(IReadOnlyDictionary<string, ProcessSpec> byName, ProcessSpec parent)
    {
        Dictionary<string, MmapStep> regions = parent.ForkedFrom is { } grand ? Inherited(byName, byName[grand]) : new(StringComparer.Ordinal);
        foreach (var (name, mmap) in RegionValidator.Defined(parent.Threads))
        {
            regions[name] = mmap;
        }

        return regions;
    }

    private static void CheckAncestry(ScenarioNodeReader reader, Dictionary<string, ProcessSpec> byName, ProcessSpec child)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { child.Name };
        for (ProcessSpec p = child; p.ForkedFrom is { } parent; p = byName[parent])
        {
            if (!byName.ContainsKey(parent))
            {
                throw reader.Error(p.Line, $"process '{p.Name}' is forked_from '{parent}', which is not a process of this scenario (processes: {string.Join(", ", byName.Keys)})");
            }

            if (!seen.Add(parent))
            {
                throw reader.Error(child.Line, $"process '{child.Name}' descends from itself through forked_from ({string.Join(" <- ", seen)} <- {parent})");
            }
        }
    }

    private static void CheckForkStep(ScenarioNodeReader reader, Dictionary<string, ProcessSpec> byName, Dictionary<string, ForkStep> forkedBy, ProcessSpec parent, ForkStep fork)
    {
        if (!byName.TryGetValue(fork.Child, out ProcessSpec? child))
        {
            throw reader.Error(fork.Line, $"fork names child '{fork.Child}', which is not a process of this scenario; declare it with 'forked_from: {parent.Name}'");
        }

        if (child.ForkedFrom != parent.Name)
        {
            string declared = child.ForkedFrom is null ? "is not declared forked_from any process" : $"is forked_from '{child.ForkedFrom}'";
            throw reader.Error(fork.Line, $"process '{parent.Name}' forks '{fork.Child}', but '{fork.Child}' {declared}; give it 'forked_from: {parent.Name}'");
        }

        if (!forkedBy.TryAdd(fork.Child, fork))
        {
            throw reader.Error(fork.Line, $"process '{fork.Child}' is already forked by the step on line {forkedBy[fork.Child].Line}: a process is created by one fork");
        }
    }
}
