namespace MmuGather.Machine;

/// <summary>Shape of the simulated machine.</summary>
public sealed record MachineOptions
{
    public int Cpus { get; init; } = 2;

    public ulong MemoryBytes { get; init; } = 4UL << 30;

    public int TlbEntries { get; init; } = 1536;

    public int TlbWays { get; init; } = 12;

    public int WalkCacheEntries { get; init; } = 32;

    public Geometry Geometry { get; init; } = Geometry.X86_64;

    /// <summary>Cycles per modelled action, for the virtual clocks.</summary>
    public CostModel Costs { get; init; } = CostModel.X86;
}
