namespace MmuGather.Machine;

/// <summary>What a physical frame is currently used for.</summary>
public enum FrameKind : byte
{
    Free,
    /// <summary>Frame 0 and anything else the machine keeps for itself.</summary>
    Reserved,
    /// <summary>A user page: anonymous, page cache, or the tail of a huge folio.</summary>
    User,
    /// <summary>A page-table page (any level), possibly holding several fragments.</summary>
    PageTable,
    /// <summary>A page the gather allocated for a page batch (mmu_gather_batch).</summary>
    GatherBatch,
    /// <summary>A page the gather allocated for a table batch (mmu_table_batch).</summary>
    TableBatch,
}
