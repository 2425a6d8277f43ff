using MmuGather.Sim;

namespace MmuGather.Explore;

/// <summary>One explored interleaving that went wrong: its index, the seed that replays it, and what broke.</summary>
public sealed record ExploreRun(long Index, ulong Seed, IReadOnlyList<Violation> Violations, string? Failure, long Points);
