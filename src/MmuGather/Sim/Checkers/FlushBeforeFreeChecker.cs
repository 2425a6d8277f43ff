using MmuGather.Machine;

namespace MmuGather.Sim.Checkers;

/// <summary>
/// The rule itself, checked at every free: no user page and no page-table page may be freed
/// while some CPU may still translate through it (its unhooking has not been followed by an
/// invalidation on that CPU). Uses <see cref="TranslationShadow"/>, which must be registered
/// before this checker.
/// </summary>
public sealed class FlushBeforeFreeChecker(TranslationShadow shadow, Diagnostics diag) : Checker(diag)
{
    public override string Name => "flush-before-free";

    public override string ExaminedWhat => "frees of pages and page tables";

    public override void FrameFreeing(int pfn, FrameKind kind, int order)
    {
        if (kind is not (FrameKind.User or FrameKind.PageTable))
        {
            return;
        }

        Examine();
        if (shadow.Owed(pfn) > 0 && shadow.FindDebt(pfn, out int cpu, out ulong va))
        {
            string what = kind == FrameKind.PageTable ? "page-table page" : "page";
            string who = cpu >= 0 ? $"CPU{cpu}" : "any CPU (through a translation-cache entry: HPTE, TSB)"; // cpu -1: added with powerpc hash and sparc64
            Report($"{what} pfn 0x{pfn:x} freed while {who} may still translate 0x{va:x} through it (unhooked, not yet invalidated there)");
        }
    }
}
