namespace MmuGather.Machine;

/// <summary>Interrupt vectors the model distinguishes, as /proc/interrupts lines do.</summary>
public enum IpiKind
{
    /// <summary>A remote TLB flush request (x86 "TLB shootdowns").</summary>
    TlbFlush,
    /// <summary>Any other smp_call_function (for example tlb_remove_table_sync_one).</summary>
    CallFunction,
}
