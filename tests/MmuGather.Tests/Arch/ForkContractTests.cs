using MmuGather.Explore;
using MmuGather.Scenarios;
using MmuGather.Sim;
using MmuGather.Tests.Mm;

namespace MmuGather.Tests.Arch;

/// <summary>
/// The fork contract, per back-end: once fork returned, no CPU of the parent can store through
/// a writable entry into a page it shares with the child (cow-stale-write stays quiet over
/// explored interleavings, with both flush APIs), and the pages are freed exactly once.
/// Without dup_mmap's flush_tlb_mm (fork-no-flush) the stale entry is used on every back-end
/// whose write-protect leaves the TLB alone; s390 (IPTE in ptep_set_wrprotect), powerpc hash
/// (the HPTE flush when lazy-MMU mode is left) and sparc64 (the TSB batch) invalidate at the
/// write-protect itself, so the final flush is redundant there and the switch changes nothing.
/// </summary>
public class ForkContractTests
{
    private static readonly HashSet<string> s_invalidateAtWrprotect = new(StringComparer.Ordinal) { "s390", "ppc-hash", "sparc64" };

    public static TheoryData<string> Arches() => new(Architectures.Names.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Arches))]
    public void AfterForkReturnedNoParentCpuStoresIntoASharedPage(string arch)
    {
        foreach (string api in new[] { "flush_api: linux", "flush_api: gather" })
        {
            Scenario s = TestScenarios.Parse(ForkScenarios.SiblingStoresAcrossFork(arch, api));

            ExploreSummary sum = Explorer.Explore(s, new ExploreOptions { Runs = 60, BaseSeed = 7, Jobs = 2 });

            Assert.Equal((60, 0, 0, 0L), (sum.RunsDone, sum.RunsWithViolations, sum.RunsFailed, sum.RunsRefused));
        }
    }

    [Theory]
    [MemberData(nameof(Arches))]
    public void WithoutTheFinalFlushTheStaleEntryIsUsedUnlessTheWriteProtectInvalidated(string arch)
    {
        Scenario s = TestScenarios.Parse(ForkScenarios.SiblingStoresAcrossFork(arch, "bugs: [fork-no-flush]"));

        ExploreSummary sum = Explorer.Explore(s, new ExploreOptions { Runs = 60, BaseSeed = 7, StopOnFirst = true });

        Assert.Equal(!s_invalidateAtWrprotect.Contains(arch), sum.FirstBadRun is not null);
    }
}
