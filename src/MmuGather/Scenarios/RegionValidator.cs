namespace MmuGather.Scenarios;

/// <summary>
/// Checks the regions of one process: mmap names are unique, and every step that names a region
/// comes after (in file order) the mmap defining it and stays inside it.
/// </summary>
internal static class RegionValidator
{
    /// <summary>Checks one process; <paramref name="inherited"/>: a forked process's parent's regions, by name, usable before any mmap of its own.</summary>
    public static void Validate(ScenarioNodeReader reader, string process, IReadOnlyList<ThreadSpec> threads, IReadOnlyDictionary<string, MmapStep>? inherited = null)
    {
        List<Step> steps = threads.SelectMany(t => t.Steps).ToList();
        var defined = new Dictionary<string, MmapStep>(StringComparer.Ordinal);
        var fromParent = inherited ?? new Dictionary<string, MmapStep>(StringComparer.Ordinal);
        foreach (Step step in steps)
        {
            if (step is MmapStep mmap)
            {
                Define(reader, process, defined, mmap);
            }
            else if (step is MremapStep remap)
            {
                // Later steps may use the region up to its largest length so far (in file order;
                // the interleaving decides the rest, and a touch past the end takes SIGSEGV).
                MmapStep region = Lookup(reader, process, defined, steps, step.Line, remap.Region);
                defined[remap.Region] = region with { Length = Math.Max(region.Length, remap.Length) };
            }
            else if (RangeOf(step) is { } range)
            {
                MmapStep region = fromParent.TryGetValue(range.Region, out MmapStep? parents) && !defined.ContainsKey(range.Region)
                    ? parents
                    : Lookup(reader, process, defined, steps, step.Line, range.Region);
                CheckBounds(reader, step.Line, region, range.Offset, range.Length);
            }
        }
    }

    /// <summary>The regions a process's own mmap steps define, by name (the first definition of each).</summary>
    public static Dictionary<string, MmapStep> Defined(IReadOnlyList<ThreadSpec> threads)
    {
        var defined = new Dictionary<string, MmapStep>(StringComparer.Ordinal);
        foreach (MmapStep mmap in threads.SelectMany(t => t.Steps).OfType<MmapStep>())
        {
            defined.TryAdd(mmap.Name, mmap);
        }

        return defined;
    }

    private static void Define(ScenarioNodeReader reader, string process, Dictionary<string, MmapStep> defined, MmapStep mmap)
    {
        if (defined.TryGetValue(mmap.Name, out MmapStep? earlier))
        {
            throw reader.Error(mmap.Line, $"region '{mmap.Name}' is already defined by the mmap on line {earlier.Line} in process '{process}'");
        }

        defined.Add(mmap.Name, mmap);
    }

    private static MmapStep Lookup(
        ScenarioNodeReader reader, string process, Dictionary<string, MmapStep> defined, List<Step> steps, int line, string region)
    {
        if (defined.TryGetValue(region, out MmapStep? mmap))
        {
            return mmap;
        }

        string what = $"region '{region}' is not defined by any mmap in process '{process}'";
        MmapStep? later = steps.OfType<MmapStep>().FirstOrDefault(m => m.Name == region);
        throw reader.Error(line, later is null ? what : $"{what} before this step (its mmap is on line {later.Line})");
    }

    private static void CheckBounds(ScenarioNodeReader reader, int line, MmapStep region, ulong offset, ulong? length)
    {
        string size = $"region '{region.Name}' (length {ScenarioNodeReader.Hex(region.Length)})";
        if (offset >= region.Length)
        {
            throw reader.Error(line, $"offset {ScenarioNodeReader.Hex(offset)} is beyond the end of {size}");
        }

        if (length is { } bytes && bytes > region.Length - offset)
        {
            throw reader.Error(
                line,
                $"offset {ScenarioNodeReader.Hex(offset)} + length {ScenarioNodeReader.Hex(bytes)} exceeds {size}");
        }
    }

    private static (string Region, ulong Offset, ulong? Length)? RangeOf(Step step) => step switch
    {
        MunmapStep s => (s.Region, s.Offset, s.Length),
        MadviseStep s => (s.Region, s.Offset, s.Length),
        MprotectStep s => (s.Region, s.Offset, s.Length),
        TouchStep s => (s.Region, s.Offset, s.Length),
        GupFastStep s => (s.Region, s.Offset, s.Length),
        WritebackStep s => (s.Region, 0UL, (ulong?)null),
        _ => null,
    };
}
