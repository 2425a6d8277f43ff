namespace MmuGather.Swarm;

/// <summary>
/// Swarm testing's switches: each generated scenario turns whole features on or off, so that
/// some scenarios concentrate on one feature instead of every scenario diluting all of them.
/// </summary>
internal sealed record SwarmFeatures(
    bool Thp,
    bool Files,
    bool TinyTlb,
    bool FailAlloc,
    bool CpuLists,
    bool SeveralProcesses,
    bool Spinners,
    string? Gather)
{
    /// <summary>
    /// One draw. No file mappings under <c>gather: percpu-2.6</c>: the parser refuses them
    /// (free_pgtables would take i_mmap_rwsem, a sleeping lock, with the per-CPU gather's
    /// preemption off; 2.6 kernels had a spinlock there), see docs/swarm-findings.md.
    /// </summary>
    public static SwarmFeatures Draw(SwarmRandom rng)
    {
        bool thp = rng.OneIn(3);
        bool files = rng.OneIn(2);
        bool tinyTlb = rng.OneIn(3);
        bool failAlloc = rng.OneIn(3);
        bool cpuLists = rng.OneIn(3);
        bool several = rng.OneIn(2);
        bool spinners = !rng.OneIn(3);
        string? gather = rng.Next(10) switch
        {
            < 2 => "percpu-2.6",
            2 => "current",
            _ => null,
        };
        return new(thp, files && gather != "percpu-2.6", tinyTlb, failAlloc, cpuLists, several, spinners, gather);
    }
}
