using MmuGather.Arch.Common;
using MmuGather.Machine;

namespace MmuGather.Arch.Sparc64;

/// <summary>
/// The sparc64 MMU's side of a TLB miss: each CPU searches the TSB of the mm it runs, whose
/// address switch_mm loaded into the CPU's TSB registers (tsb_context_switch). A hit fills
/// the TLB; a miss traps to the kernel's TSB-miss handler, which walks the page tables.
///
/// <para><b>Invariant:</b> a CPU searches only the TSB of the address space loaded on it, so
/// nothing cached for one mm is ever used for another.</para>
/// </summary>
public sealed class TsbRefill(SimMachine machine) : ITlbRefill
{
    private readonly Tsb?[] _loaded = new Tsb?[machine.Cpus.Count];

    /// <summary>tsb_context_switch: <paramref name="cpu"/> now searches <paramref name="tsb"/> (null: none).</summary>
    public void Load(Cpu cpu, Tsb? tsb) => _loaded[cpu.Id] = tsb;

    public AccessResult Refill(Cpu cpu, int asid, ulong va, bool write)
    {
        cpu.Clock += machine.Costs.TlbMiss;
        Tsb? tsb = _loaded[cpu.Id];
        if (tsb is null || tsb.Asid != asid || !tsb.TryLookup(va, out CachedTranslation t))
        {
            return AccessResult.NotPresent;
        }

        return machine.Walker.FillTlb(cpu, asid, va, t.Pfn, t.Generation, machine.Geometry.PageShift, t.Writable, t.Dirty, write);
    }
}
