namespace MmuGather.Scenarios;

/// <summary>
/// Checks a parsed scenario against the workload limits of <see cref="ScenarioLimits"/>:
/// processes, threads, steps, and the page accesses its steps imply. Each complaint points at
/// the first element over the limit, in file order.
/// </summary>
internal static class WorkloadValidator
{
    /// <summary>Up to this many threads a page access weighs 1; beyond, threads / this (see <see cref="Weigh"/>).</summary>
    public const int ThreadsPerWeight = 8;

    /// <summary>Up to this many TLB ways plus walk-cache entries a page access weighs 1; beyond, their sum / this.</summary>
    public const int EntriesPerWeight = 1_024;

    /// <summary>
    /// Every step may flush every CPU's TLB and walk cache, which clears each entry (about 1 ms
    /// for 1,048,576 entries): a step weighs CPUs times (TLB + walk-cache entries) / this many
    /// page accesses, beyond <see cref="FreeFlushedEntries"/>.
    /// </summary>
    public const int FlushedEntriesPerAccess = 1_024;

    /// <summary>CPUs times (TLB + walk-cache entries) a step flushes for free: 64 CPUs of 1,024 entries, about 20 times the default machine's 3,136.</summary>
    public const ulong FreeFlushedEntries = 65_536;

    public static void Validate(ScenarioNodeReader reader, Scenario scenario, ScenarioLimits limits)
    {
        CheckCounts(reader, scenario, limits);
        CheckPageAccesses(reader, scenario, limits);
    }

    private static void CheckCounts(ScenarioNodeReader reader, Scenario scenario, ScenarioLimits limits)
    {
        if (scenario.Processes.Count > limits.Processes)
        {
            throw reader.Error(scenario.Processes[limits.Processes].Line, $"more than {limits.Processes} processes (limit {limits.Processes})");
        }

        List<ThreadSpec> threads = scenario.Processes.SelectMany(p => p.Threads).ToList();
        if (threads.Count > limits.Threads)
        {
            throw reader.Error(threads[limits.Threads].Line, $"more than {limits.Threads} threads in all (limit {limits.Threads})");
        }

        if (threads.FirstOrDefault(t => t.Steps.Count > limits.StepsPerThread) is { } thread)
        {
            throw reader.Error(thread.Steps[limits.StepsPerThread].Line, $"more than {limits.StepsPerThread} steps in one thread (limit {limits.StepsPerThread})");
        }

        List<Step> steps = threads.SelectMany(t => t.Steps).ToList();
        if (steps.Count > limits.Steps)
        {
            throw reader.Error(steps[limits.Steps].Line, $"more than {limits.Steps} steps in all (limit {limits.Steps})");
        }
    }

    private static void CheckPageAccesses(ScenarioNodeReader reader, Scenario scenario, ScenarioLimits limits)
    {
        int threads = scenario.Processes.Sum(p => p.Threads.Count);
        MachineSpec machine = scenario.Machine;
        ulong flushed = (ulong)machine.Cpus * (ulong)(machine.TlbEntries + machine.WalkCacheEntries);
        UInt128 perStep = flushed > FreeFlushedEntries ? (flushed - FreeFlushedEntries) / FlushedEntriesPerAccess : 0;
        UInt128 total = 0;
        UInt128 weighted = 0;
        foreach (ProcessSpec process in scenario.Processes)
        {
            // Region names are per process; the parser has checked each is mapped before use.
            Dictionary<string, ulong> regions = process.Threads.SelectMany(t => t.Steps).OfType<MmapStep>()
                .ToDictionary(m => m.Name, m => m.Length, StringComparer.Ordinal);
            foreach (Step step in process.Threads.SelectMany(t => t.Steps))
            {
                UInt128 pages = PagesOf(step, regions);
                total += pages;
                weighted += Weigh(pages, threads, machine) + perStep;
                if (weighted > (ulong)limits.PageAccesses)
                {
                    throw reader.Error(step.Line, OverBudget(total, weighted, threads, limits));
                }
            }
        }
    }

    /// <summary>
    /// What one access costs the simulator grows with what it searches: every scheduling point
    /// chooses among the threads (measured: about 1.5 µs per access alone, 30 µs with 256
    /// threads), and every TLB or walk-cache lookup scans a set (about 0.8 ms per access with a
    /// 1,048,576-way TLB). So an access weighs threads / 8 times (TLB ways + walk-cache
    /// entries) / 1,024, each factor at least 1: every shipped scenario counts once per page.
    /// </summary>
    private static UInt128 Weigh(UInt128 accesses, int threads, MachineSpec m) =>
        accesses * (ulong)Math.Max(ThreadsPerWeight, threads) / ThreadsPerWeight
        * (ulong)Math.Max(EntriesPerWeight, m.TlbWays + m.WalkCacheEntries) / EntriesPerWeight;

    private static string OverBudget(UInt128 total, UInt128 weighted, int threads, ScenarioLimits limits) =>
        weighted == total
            ? $"the steps up to this one imply {total} page accesses, more than the simulator runs in reasonable time (limit {limits.PageAccesses})"
            : $"the steps up to this one imply {total} page accesses, which weigh {weighted} with {threads} {(threads == 1 ? "thread" : "threads")} and this machine's CPUs, TLB and walk cache (see docs/scenario-limits.md), more than the simulator runs in reasonable time (limit {limits.PageAccesses})";

    /// <summary>Pages one step accesses (4 KiB each); UInt128, as a length times a repeat can exceed 64 bits.</summary>
    private static UInt128 PagesOf(Step step, Dictionary<string, ulong> regions) => step switch
    {
        MmapStep { Populate: true } s => Pages(s.Length),
        TouchStep s => (UInt128)Pages(Span(regions, s.Region, s.Offset, s.Length)) * (ulong)s.Repeat,
        GupFastStep s => Pages(Span(regions, s.Region, s.Offset, s.Length)),
        WritebackStep s => (UInt128)Pages(regions.GetValueOrDefault(s.Region)) * (ulong)s.Repeat,
        _ => 0,
    };

    private static ulong Span(Dictionary<string, ulong> regions, string region, ulong offset, ulong? length) =>
        length ?? regions.GetValueOrDefault(region) - Math.Min(offset, regions.GetValueOrDefault(region));

    private static ulong Pages(ulong bytes) => bytes / ScenarioNodeReader.PageSize;
}
