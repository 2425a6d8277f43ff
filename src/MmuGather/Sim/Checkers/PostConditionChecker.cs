using MmuGather.Machine;

namespace MmuGather.Sim.Checkers;

/// <summary>
/// When munmap, madvise(DONTNEED) or exit returns, no CPU running the mm may still owe an
/// invalidation for a translation in the ranges the call zapped (the vmas it found under the
/// mmap lock) that existed when the call began: user space may rely on the unmap having taken
/// effect everywhere (a later access must fault on every CPU). Not covered: translations a
/// concurrent fault installed while the call ran, and addresses where the call found no vma
/// (a racing munmap had detached it: that munmap owes the invalidation, and flushes before it
/// returns; Linux's madvise returns ENOMEM there and promises nothing). Uses
/// <see cref="TranslationShadow"/>, which must be registered before this checker.
/// </summary>
public sealed class PostConditionChecker(TranslationShadow shadow, Diagnostics diag) : Checker(diag)
{
    public override string Name => "post-condition";

    public override string ExaminedWhat => "returns of munmap, madvise, mremap and exit";

    public override void OperationReturned(long id, string operation, int asid, ulong start, ulong end)
    {
        Examine();
        foreach ((ulong s, ulong e) in shadow.LastReturnedCovers)
        {
            if (shadow.FindLeafDebt(asid, s, e, shadow.LastReturnedStart, out int owing, out ulong at))
            {
                Report($"{operation} of [0x{start:x}, 0x{end:x}) returned before CPU{owing} invalidated 0x{at:x}");
                return;
            }
        }
    }
}
