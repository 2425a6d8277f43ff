namespace MmuGather.Machine;

/// <summary>
/// Where the MMU looks after a TLB miss, when it is not a walk of the radix page tables from
/// the loaded root: powerpc's hashed page table, sparc64's TSB. Set on
/// <see cref="SimMachine.TlbRefill"/> by the back-end. An implementation finds the
/// translation in its own structure and calls <see cref="HardwareWalker.FillTlb"/>, or
/// returns <see cref="AccessResult.NotPresent"/> so that the kernel's fault path (whose first
/// stop is the back-end's HandleMmuMiss) refills it from the Linux page table.
/// </summary>
public interface ITlbRefill
{
    AccessResult Refill(Cpu cpu, int asid, ulong va, bool write);
}
