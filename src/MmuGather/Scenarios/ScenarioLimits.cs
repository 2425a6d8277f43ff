namespace MmuGather.Scenarios;

/// <summary>
/// Every bound the parser puts on a scenario file, in one place (docs/scenario-limits.md
/// explains each). A file over a limit is bad input: the parser throws a
/// <see cref="ScenarioException"/> with the line and "(limit N)" before anything runs, so a
/// hostile or mistaken file costs well under a second instead of a stack overflow, gigabytes
/// of memory or hours of simulation. The shipped scenarios use a small fraction of each.
/// </summary>
public sealed record ScenarioLimits
{
    /// <summary>The limits the command line applies.</summary>
    public static ScenarioLimits Default { get; } = new();

    /// <summary>
    /// Bytes read from the file; at most one more is ever read, so <c>/dev/zero</c> or a FIFO
    /// cannot make the parser allocate more. The largest shipped scenario is under 3 KiB.
    /// </summary>
    public int FileBytes { get; init; } = 512 * 1024;

    /// <summary>
    /// Collections open at once (a mapping or a sequence is one level). The YAML representation
    /// model recurses once per level; checked event by event, so 50,000 <c>[</c> stop at level
    /// 65 instead of overflowing the stack. A scenario needs 8 levels.
    /// </summary>
    public int Depth { get; init; } = 64;

    /// <summary>
    /// YAML nodes (scalars, mappings, sequences) with every alias counted as the nodes it stands
    /// for: anchors and aliases let a small file describe an exponential tree (an alias bomb).
    /// 4,096 steps with every argument written out take about 55,000 nodes, so this never
    /// refuses a file the step limits accept.
    /// </summary>
    public int Nodes { get; init; } = 65_536;

    /// <summary>Processes (each is an address space the simulator builds); 64, one per CPU at most.</summary>
    public int Processes { get; init; } = 64;

    /// <summary>Threads over all processes (each is a host carrier while it runs).</summary>
    public int Threads { get; init; } = 256;

    /// <summary>Steps of one thread.</summary>
    public int StepsPerThread { get; init; } = 2_048;

    /// <summary>Steps over all threads.</summary>
    public int Steps { get; init; } = 4_096;

    /// <summary>
    /// Page accesses the steps imply, summed in file order: a populating mmap, a touch (times
    /// its repeat), a gup_fast and a writeback (times its repeat) count one per 4 KiB page of
    /// their range. Zaps (munmap, madvise, exit) are not counted: they only find what these
    /// put there. An access weighs more with more than 8 threads, or a TLB and walk cache larger
    /// than 1,024 ways plus entries, and a step more when it may flush more than 65,536 entries
    /// in all (see WorkloadValidator): the simulator's cost per access grows with them. Populating 63 GiB (16.5 million pages) ran in 7.3 s: the default (16,777,216
    /// pages, 64 GiB, the largest machine memory) bounds a run to seconds where an unbounded file
    /// ran for hours, and the largest shipped scenario (1 GiB populated) uses 1/64 of it.
    /// </summary>
    public long PageAccesses { get; init; } = 16_777_216;
}
