namespace MmuGather.Swarm;

/// <summary>The generated <c>machine:</c>; a null option is left out (the format's default).</summary>
public sealed record SwarmMachine(string Arch, int Cpus)
{
    public ulong? Memory { get; init; }

    /// <summary>TLB entries and ways (entries a multiple of ways).</summary>
    public (int Entries, int Ways)? Tlb { get; init; }

    public int? WalkCache { get; init; }

    public IReadOnlyList<SwarmFailAlloc> FailAlloc { get; init; } = [];
}
