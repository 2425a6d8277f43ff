using MmuGather.Machine;

namespace MmuGather.Sim.Checkers;

/// <summary>
/// When munmap, madvise(DONTNEED) or exit returns, no CPU running the mm may hold or owe a
/// translation for the range: user space may rely on the unmap having taken effect
/// everywhere (a later access must fault on every CPU).
/// </summary>
public sealed class PostConditionChecker(IReadOnlyList<Cpu> cpus, TranslationShadow shadow, Diagnostics diag) : Checker(diag)
{
    private readonly bool[] _lazy = new bool[cpus.Count];

    public override string Name => "post-condition";

    public override void LazyTlb(int cpu, bool lazy) => _lazy[cpu] = lazy;

    public override void OperationReturned(string operation, int asid, ulong start, ulong end)
    {
        foreach (Cpu cpu in cpus)
        {
            if (cpu.LoadedAsid == asid && !_lazy[cpu.Id] && cpu.Tlb.FindAny(asid, start, end, out ulong va, out int pfn))
            {
                Report($"{operation} of [0x{start:x}, 0x{end:x}) returned while CPU{cpu.Id}'s TLB still maps 0x{va:x} -> pfn 0x{pfn:x}");
                return;
            }
        }

        if (shadow.FindLeafDebt(asid, start, end, out int owing, out ulong at))
        {
            Report($"{operation} of [0x{start:x}, 0x{end:x}) returned before CPU{owing} invalidated 0x{at:x}");
        }
    }
}
