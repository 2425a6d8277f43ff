namespace MmuGather.Mm;

/// <summary>vm_flags bits the model uses.</summary>
[Flags]
public enum VmFlags
{
    None = 0,
    Read = 1 << 0,
    Write = 1 << 1,
    Exec = 1 << 2,
    Shared = 1 << 3,
    /// <summary>VM_HUGEPAGE: MADV_HUGEPAGE, THP wanted.</summary>
    HugePage = 1 << 4,
    /// <summary>VM_PFNMAP: no struct page behind the entries (CVE-2022-39188's forced flush).</summary>
    PfnMap = 1 << 5,
}
