using MmuGather.Machine;

namespace MmuGather.Sim.Checkers;

/// <summary>
/// When munmap, madvise(DONTNEED) or exit returns, no CPU running the mm may still owe an
/// invalidation for a translation of the range that existed when the call began: user space
/// may rely on the unmap having taken effect everywhere (a later access must fault on every
/// CPU). Translations that a concurrent fault installed while the call ran are not covered
/// (user space cannot expect anything of them). Uses <see cref="TranslationShadow"/>, which
/// must be registered before this checker.
/// </summary>
public sealed class PostConditionChecker(TranslationShadow shadow, Diagnostics diag) : Checker(diag)
{
    public override string Name => "post-condition";

    public override void OperationReturned(long id, string operation, int asid, ulong start, ulong end)
    {
        if (shadow.FindLeafDebt(asid, start, end, shadow.LastReturnedStart, out int owing, out ulong at))
        {
            Report($"{operation} of [0x{start:x}, 0x{end:x}) returned before CPU{owing} invalidated 0x{at:x}");
        }
    }
}
