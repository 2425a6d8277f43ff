namespace MmuGather.Scenarios;

/// <summary>
/// A parsed scenario file: the machine to build, the processes to run on it and the
/// kernel knobs. Immutable; produced by <see cref="ScenarioParser"/> and consumed by
/// <see cref="ScenarioRunner"/>. Every element keeps the line it came from so that a
/// runtime complaint can still point the user at the file.
/// </summary>
public sealed record Scenario(
    string Name,
    string SourcePath,
    MachineSpec Machine,
    KernelSpec Kernel,
    IReadOnlyList<ProcessSpec> Processes,
    ulong? Seed);

/// <summary>The simulated machine: architecture, CPU count, physical memory, TLB shape.</summary>
public sealed record MachineSpec(
    string Arch,
    int Cpus,
    ulong MemoryBytes,
    int TlbEntries,
    int TlbWays,
    int WalkCacheEntries,
    IReadOnlyList<AllocFailureSpec> FailAllocations)
{
    public static MachineSpec Default { get; } = new("x86", 2, 4UL << 30, 1536, 12, 32, []);
}

/// <summary>
/// Fault injection: make the page allocator fail at one allocation site.
/// <c>Site</c> is one of <c>user-page</c>, <c>page-table</c>, <c>gather-batch</c>,
/// <c>table-batch</c>. Fails the <c>Nth</c> call (1-based) and, when <c>Count</c> is
/// null, every call from then on; else that many calls.
/// </summary>
public sealed record AllocFailureSpec(string Site, long Nth, long? Count, int Line);

/// <summary>
/// Kernel configuration: named bug switches (<c>bugs</c>) and which mmu_gather the kernel
/// runs (<c>gather</c>: <c>current</c> or <c>percpu-2.6</c>, see <see cref="MmuGather.Mm.GatherMode"/>),
/// and how mremap and fork flush (<c>flush_api</c>: <c>linux</c> or <c>gather</c>, see
/// <see cref="MmuGather.Mm.FlushApi"/>).
/// </summary>
public sealed record KernelSpec(
    IReadOnlyList<string> Bugs,
    MmuGather.Mm.GatherMode Gather = MmuGather.Mm.GatherMode.Current,
    MmuGather.Mm.FlushApi FlushApi = MmuGather.Mm.FlushApi.Linux)
{
    public static KernelSpec Default { get; } = new([]);
}

/// <summary>
/// A process: its threads, and its <c>Footprint</c> in bytes (0: none): resident anonymous
/// memory it starts with, outside every region (a language runtime's heap and code, say).
/// </summary>
public sealed record ProcessSpec(string Name, IReadOnlyList<ThreadSpec> Threads, int Line, ulong Footprint = 0)
{
    /// <summary>
    /// <c>forked_from: PARENT</c>: the process is created by a <c>fork</c> step of a thread of
    /// PARENT (its threads start once that fork returned, with a copy of the parent's address
    /// space and regions); null for a process that exists from the start.
    /// </summary>
    public string? ForkedFrom { get; init; }
}

/// <summary>A thread starting on <c>Cpu</c>; <c>AllowedCpus</c> is the mask it may run on (only <c>Cpu</c> unless <c>cpus:</c> lists more).</summary>
public sealed record ThreadSpec(int Cpu, IReadOnlyList<Step> Steps, int Line, ulong AllowedCpus = 0)
{
    public ulong Mask => AllowedCpus == 0 ? 1UL << Cpu : AllowedCpus;
}

/// <summary>Mapping kinds a <c>mmap</c> step can ask for.</summary>
public enum MappingKind
{
    Anon,
    FileShared,
    FilePrivate,
}

/// <summary>One step of a thread. <see cref="Line"/> is the 1-based line in the file.</summary>
public abstract record Step(int Line)
{
    /// <summary>The step's kind as reports name it (its key in the scenario language).</summary>
    public string Op => this switch
    {
        MmapStep => "mmap",
        MunmapStep => "munmap",
        MadviseStep => "madvise",
        TouchStep => "touch",
        GupFastStep => "gup_fast",
        WritebackStep => "writeback",
        SpinStep => "spin",
        ExitStep => "exit",
        ExitGroupStep => "exit_group",
        MprotectStep => "mprotect",
        MremapStep => "mremap",
        ForkStep => "fork",
        _ => GetType().Name,
    };
}

/// <summary><c>mmap: { name, length, populate, kind: anon|file-shared|file-private, thp }</c></summary>
public sealed record MmapStep(int Line, string Name, ulong Length, bool Populate, MappingKind Kind, bool Thp) : Step(Line);

/// <summary><c>munmap: { region, offset?, length? }</c>; a null length means "to the end of the region".</summary>
public sealed record MunmapStep(int Line, string Region, ulong Offset, ulong? Length) : Step(Line);

/// <summary>
/// <c>mremap: { region, length, may_move? }</c>: resize the whole region to <c>Length</c>
/// (shrink, grow in place, or with <c>MayMove</c> move when it cannot grow in place). The
/// region keeps its name and describes the new range afterwards.
/// </summary>
public sealed record MremapStep(int Line, string Region, ulong Length, bool MayMove) : Step(Line);

/// <summary><c>madvise: { region, advice: dontneed, offset?, length? }</c></summary>
public sealed record MadviseStep(int Line, string Region, string Advice, ulong Offset, ulong? Length) : Step(Line);

/// <summary>
/// <c>mprotect: { region, prot: none|r|rw|rx|rwx, offset?, length? }</c>: change the access
/// rights of the range (<c>Prot</c> is the word as written).
/// </summary>
public sealed record MprotectStep(int Line, string Region, string Prot, ulong Offset, ulong? Length) : Step(Line);

/// <summary><c>touch: { region, write, offset?, length?, repeat? }</c>: one user access per page, the whole pass <c>repeat</c> times.</summary>
public sealed record TouchStep(int Line, string Region, bool Write, ulong Offset, ulong? Length, int Repeat = 1) : Step(Line);

/// <summary><c>writeback: { region, repeat? }</c>: write back the dirty pages of the file mapped there (through the rmap, folio_mkclean), <c>repeat</c> times (a flusher thread).</summary>
public sealed record WritebackStep(int Line, string Region, int Repeat = 1) : Step(Line);

/// <summary><c>gup_fast: { region, write, offset?, length? }</c>: lockless walk, pin, unpin.</summary>
public sealed record GupFastStep(int Line, string Region, bool Write, ulong Offset, ulong? Length) : Step(Line);

/// <summary><c>spin: {}</c>: the thread stays on its CPU in user mode, keeping the mm live there.</summary>
public sealed record SpinStep(int Line) : Step(Line);

/// <summary><c>exit: {}</c>: the thread exits; the last thread out tears the mm down (exit_mmap).</summary>
public sealed record ExitStep(int Line) : Step(Line);


/// <summary>
/// <c>exit_group: {}</c>: the whole process exits. The caller runs do_exit at once; every
/// sibling leaves before its next step (one in a step finishes it, as a syscall returns to
/// user mode first; a spinner or a waiter leaves at its next scheduling point), and the last
/// thread out tears the mm down (exit_mmap). Nothing may follow it in its thread.
/// </summary>
public sealed record ExitGroupStep(int Line) : Step(Line);

/// <summary>
/// <c>fork: { child: NAME }</c>: the thread forks; NAME is the process declared
/// <c>forked_from</c> this one, whose threads start when the fork returns.
/// </summary>
public sealed record ForkStep(int Line, string Child) : Step(Line);
