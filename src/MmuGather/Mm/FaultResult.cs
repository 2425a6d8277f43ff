namespace MmuGather.Mm;

/// <summary>vm_fault_t, reduced to what the model distinguishes.</summary>
public enum FaultResult
{
    Ok,
    /// <summary>VM_FAULT_OOM: a page or page-table allocation failed.</summary>
    Oom,
    /// <summary>No vma, or the vma forbids the access (SIGSEGV).</summary>
    SegV,
}
