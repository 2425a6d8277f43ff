namespace MmuGather.Cli.Native.Fuzz;

/// <summary>
/// What the generator remembers of a region it mapped: its name, the pages its mmap asked
/// for, and whether a munmap of the whole region has since been written (a gone region may
/// still be named: its pages are unmapped, which is an outcome to compare).
/// </summary>
internal sealed record FuzzRegion(string Name, int Pages)
{
    public bool Gone { get; set; }
}
