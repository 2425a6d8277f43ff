namespace MmuGather.Cli.Native.Fuzz;

/// <summary>What the fuzzer compares per step, each counted on its own.</summary>
internal enum FuzzCategory
{
    /// <summary>Remote flush rounds (shootdowns); judged against the native min..max over re-runs.</summary>
    Rounds,

    /// <summary>The outcome of a touch ("ok" or "segv"), and whether a step ran at all.</summary>
    Access,

    /// <summary>The vmas: bounds relative to the origin, permissions, file or anonymous.</summary>
    Layout,

    /// <summary>Which pages of each region are resident (mincore) or unmapped.</summary>
    Residency,
}
