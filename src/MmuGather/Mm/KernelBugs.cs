namespace MmuGather.Mm;

/// <summary>The scenario names of <see cref="KernelBug"/> switches.</summary>
public static class KernelBugs
{
    private static readonly (string Name, KernelBug Bug)[] s_all =
    [
        ("free-before-flush", KernelBug.FreeBeforeFlush),
        ("skip-remote-flush", KernelBug.SkipRemoteFlush),
        ("flush-under-ptl", KernelBug.FlushUnderPtl),
        ("leak-gather-batches", KernelBug.LeakGatherBatches),
        ("nested-flush", KernelBug.NestedFlush),
        ("full-batch-range", KernelBug.FullBatchRange),
        ("early-rmap", KernelBug.EarlyRmap),
        ("no-rcu-table-free", KernelBug.NoRcuTableFree),
        ("table-free-no-invalidate", KernelBug.TableFreeNoInvalidate),
        ("x86-lazy-skip-freed-tables", KernelBug.X86LazySkipFreedTables),
        ("nested-flush-resets-freed-tables", KernelBug.NestedFlushResetsFreedTables),
        ("ppc-hash-late-flush", KernelBug.PpcHashLateFlush),
        ("mprotect-no-flush", KernelBug.MprotectNoFlush),
        ("pte-accessible-no-pending", KernelBug.PteAccessibleIgnoresPendingFlush),
        ("mremap-late-flush", KernelBug.MremapLateFlush),
        ("fork-no-flush", KernelBug.ForkNoFlush),
        ("gup-fast-fork-race", KernelBug.GupFastForkRace),
    ];

    public static IReadOnlyList<string> Names { get; } = s_all.Select(b => b.Name).ToArray();

    public static KernelBug Parse(IEnumerable<string> names)
    {
        KernelBug bugs = KernelBug.None;
        foreach (string name in names)
        {
            bugs |= s_all.FirstOrDefault(b => b.Name == name).Bug;
        }

        return bugs;
    }
}
