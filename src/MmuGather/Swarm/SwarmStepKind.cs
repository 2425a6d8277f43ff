namespace MmuGather.Swarm;

/// <summary>Every step kind of the scenario format (README "Steps"); the generator uses them all.</summary>
public enum SwarmStepKind
{
    Mmap,
    Munmap,
    Madvise,
    Touch,
    GupFast,
    Writeback,
    Spin,
    Exit,
    ExitGroup,
    Mprotect,
    Mremap,
}
