namespace MmuGather.Machine;

/// <summary>Who read a page-table page: the freed-table checker names the culprit.</summary>
public enum TableReader
{
    HardwareWalker,
    WalkCache,
    GupFast,
}
