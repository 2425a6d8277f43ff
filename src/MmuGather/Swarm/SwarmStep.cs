namespace MmuGather.Swarm;

/// <summary>
/// One generated step, in the scenario format's words. Unused fields keep their defaults and
/// are not written. <see cref="Length"/> of a range step null means "to the end of the
/// region"; <see cref="Offset"/> null means the key is left out (0).
/// </summary>
public sealed record SwarmStep(SwarmStepKind Kind)
{
    /// <summary>The region an mmap defines, or the one a range step names.</summary>
    public string Region { get; init; } = string.Empty;

    public ulong? Offset { get; init; }

    public ulong? Length { get; init; }

    /// <summary>mmap only: populate, kind (anon, file-shared, file-private), thp.</summary>
    public bool Populate { get; init; }

    public string MapKind { get; init; } = "anon";

    public bool Thp { get; init; }

    /// <summary>touch and gup_fast: a store (and a write pin).</summary>
    public bool Write { get; init; }

    /// <summary>touch and writeback: passes (1 is not written).</summary>
    public int Repeat { get; init; } = 1;

    /// <summary>mprotect only: the rights (none, r, rw, rx, rwx).</summary>
    public string Prot { get; init; } = "r";

    /// <summary>mremap only: MREMAP_MAYMOVE (<see cref="Length"/> is the new length).</summary>
    public bool MayMove { get; init; }

    /// <summary>True for the steps that take a region, offset and length.</summary>
    public bool IsRange => Kind is SwarmStepKind.Munmap or SwarmStepKind.Madvise or SwarmStepKind.Touch or SwarmStepKind.GupFast or SwarmStepKind.Mprotect;
}
