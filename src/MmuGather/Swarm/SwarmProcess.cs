namespace MmuGather.Swarm;

/// <summary>
/// A generated process. <see cref="Unit"/> is the granule of every length and offset in it:
/// 2 MiB when the process maps THP, so that no range, even one a reused name carries onto
/// another region, can cut a huge PMD (split_huge_pmd is not modelled; the model refuses
/// such a run); else the 4 KiB page.
/// </summary>
public sealed record SwarmProcess(string Name, ulong Unit, IReadOnlyList<SwarmThread> Threads);
