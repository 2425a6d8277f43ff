namespace MmuGather.Arch.X86;

/// <summary>struct flush_tlb_info: one flush request, as sent to every CPU that must act on it.</summary>
internal readonly record struct FlushTlbInfo(ulong Start, ulong End, int StrideShift, bool FreedTables, long NewTlbGen)
{
    public const ulong FlushAll = ulong.MaxValue;
}
