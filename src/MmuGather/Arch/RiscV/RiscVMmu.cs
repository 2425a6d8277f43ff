using MmuGather.Machine;
using MmuGather.Mm;

namespace MmuGather.Arch.RiscV;

/// <summary>
/// RISC-V with an SBI firmware (arch/riscv/include/asm/tlb.h, arch/riscv/mm/tlbflush.c):
/// sfence.vma is local to a hart, and other harts are fenced by the firmware
/// (sbi_remote_sfence_vma_asid), which interrupts them in M-mode.
///
/// <para><b>Invariant:</b> when tlb_flush returns, every hart in mm_cpumask has executed the
/// fence, whatever its S-mode interrupt state: an M-mode interrupt cannot be masked by the
/// kernel. So an interrupts-off gup_fast walker does not hold the flush off (unlike x86's
/// IPIs), and only RCU table freeing (the generic default) keeps it out of freed tables.</para>
///
/// <para>Decisions modelled:</para>
/// <list type="bullet">
/// <item>fullmm, need_flush_all or freed tables: flush_tlb_mm, a fence of the whole ASID;
/// an address-specific sfence.vma only orders leaf entries, so freed tables need the
/// whole-ASID form (97cf301fa42e, "riscv: Flush the tlb when a page directory is freed").</item>
/// <item>Otherwise the gathered range at the gather's stride; more than
/// <see cref="TlbFlushAllThreshold"/> strides (tlb_flush_all_threshold) fence the whole
/// ASID instead, on every hart alike.</item>
/// <item>Only this hart in mm_cpumask: a local sfence.vma. Any other hart: one SBI call for
/// the whole mask; the firmware fences the calling hart locally and each other hart with an
/// IPI round trip (send, latency, M-mode handler), which the caller waits for.</item>
/// <item>mm_cpumask keeps every hart that ever ran the mm (the generic switch_mm): with the
/// ASID allocator a hart's bit stays until the mm is reset, since its TLB may still hold the
/// ASID's entries (82dd33fde026).</item>
/// </list>
///
/// <para>Not modelled: Svinval, the IPI-based fallback without SBI rfence (which would wait
/// for interrupts like x86), the firmware's own range limit, the ASID allocator's
/// rollover, the lazy flush series' mm_cpumask trimming.</para>
/// </summary>
public sealed class RiscVMmu(Kernel kernel) : ArchMmu(kernel)
{
    /// <summary>tlb_flush_all_threshold: fence at most this many strides one by one, else the ASID.</summary>
    public const int TlbFlushAllThreshold = 64;

    public override string Name => "riscv";

    /// <summary>tlb_flush.</summary>
    public override void TlbFlush(Gather tlb)
    {
        if (tlb.FullMm || tlb.NeedFlushAll || tlb.FreedTables)
        {
            FlushTlbRange(tlb.Mm, 0, ulong.MaxValue, Kernel.Geometry.PageShift);
        }
        else
        {
            FlushTlbRange(tlb.Mm, tlb.Start, tlb.End, tlb.UnmapShift);
        }
    }

    /// <summary>__flush_tlb_range over mm_cpumask; <c>end == ulong.MaxValue</c>: the whole ASID.</summary>
    private void FlushTlbRange(MmStruct mm, ulong start, ulong end, int strideShift)
    {
        // get_cpu(): the local-or-remote decision holds only on the hart that made it.
        Kernel.Machine.PreemptDisable();
        ulong harts = mm.CpuMask.Read();
        Cpu self = Kernel.Machine.Current;
        if ((harts & ~(1UL << self.Id)) == 0)
        {
            if (harts != 0)
            {
                LocalFlush(self, mm, start, end, strideShift);
            }
        }
        else
        {
            SbiRemoteFence(harts, mm, start, end, strideShift);
        }

        Kernel.Machine.PreemptEnable();
    }

    /// <summary>
    /// sbi_remote_sfence_vma_asid: one call; the firmware fences each hart of the mask, this
    /// one locally and the others through an M-mode IPI the caller waits for.
    /// </summary>
    private void SbiRemoteFence(ulong harts, MmStruct mm, ulong start, ulong end, int strideShift)
    {
        Kernel.Counters.Add(Counter.SbiRemoteFences);
        Cpu self = Kernel.Machine.Current;
        CostModel costs = Kernel.Machine.Costs;
        foreach (Cpu hart in Kernel.Machine.Cpus)
        {
            if ((harts & (1UL << hart.Id)) == 0)
            {
                continue;
            }

            bool full = LocalFlush(hart, mm, start, end, strideShift);
            if (hart != self)
            {
                Kernel.Machine.Charge(costs.IpiSend + costs.IpiLatency + costs.IpiHandler);
                Kernel.Counters.Add(Counter.SbiRemoteHarts);
                Kernel.Counters.Add(full ? Counter.RemoteFullFlushes : Counter.RemotePartialFlushes);
            }
        }
    }

    /// <summary>
    /// local_flush_tlb_range_asid on <paramref name="hart"/>: sfence.vma per stride (leaf
    /// entries only), or of the whole ASID (walk caches included) above the threshold.
    /// Returns whether it was the whole ASID.
    /// </summary>
    private bool LocalFlush(Cpu hart, MmStruct mm, ulong start, ulong end, int strideShift)
    {
        ulong stride = 1UL << strideShift;
        if (end == ulong.MaxValue || (end > start && ((end - start + stride - 1) >> strideShift) > TlbFlushAllThreshold))
        {
            InvalidateAll(hart, mm);
            return true;
        }

        if (end > start)
        {
            InvalidateRange(hart, mm, start, end, strideShift, walkCaches: false);
        }

        return false;
    }
}
