namespace MmuGather.Arch.X86;

/// <summary>
/// x86's mm->context plus the per-CPU cpu_tlbstate.ctxs[].tlb_gen for this mm: the
/// generation of flushes each CPU has applied. A CPU whose generation lags the mm's by
/// exactly one, for exactly the request it receives, may flush only the range; otherwise
/// it flushes everything.
/// </summary>
internal sealed class X86Context(int cpus)
{
    public long[] LocalTlbGen { get; } = new long[cpus];
}
