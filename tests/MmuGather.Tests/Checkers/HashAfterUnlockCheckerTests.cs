using MmuGather.Scenarios;
using MmuGather.Sim;
using MmuGather.Sim.Checkers;
using MmuGather.Tests.Arch;

namespace MmuGather.Tests.Checkers;

/// <summary>
/// hash-after-unlock fires, deterministically, when powerpc hash drains its HPTE batch after
/// the PTE lock is dropped (ppc-hash-late-flush), and stays silent with the 2007 hook in place;
/// it also reports a second cache entry for one page.
/// </summary>
public class HashAfterUnlockCheckerTests
{
    /// <summary>CPU 0 reads a buffer, CPU 1 writes it, CPU 0 MADV_DONTNEEDs it (file order, one step per turn).</summary>
    private static string ReadWriteDontNeed(string arch, string bugs) => CacheScenarios.Yaml(
        arch,
        2,
        [["mmap: { name: buf, length: 64KiB }", "touch: { region: buf }", "madvise: { region: buf, advice: dontneed }"], ["touch: { region: buf, write: true }", "spin"]],
        bugs: bugs);

    [Fact]
    public void FiresWhenTheHpteBatchIsDrainedAfterThePteLockIsDropped()
    {
        var r = TestScenarios.Run(ReadWriteDontNeed("ppc-hash", "ppc-hash-late-flush"));

        Violation v = Assert.Single(r.Violations);
        Assert.Equal("hash-after-unlock", v.Checker);
        Assert.Contains("16 translation-cache entries", v.Message);
        Assert.Contains("the PTE is none", v.Message);
        Assert.Contains("madvise", v.Step);
    }

    [Theory]
    [InlineData("ppc-hash")]
    [InlineData("sparc64")]
    public void SilentWhenTheBatchIsDrainedBeforeThePteLockIsDropped(string arch)
    {
        var r = TestScenarios.Run(ReadWriteDontNeed(arch, ""));

        Assert.Empty(r.Violations);
    }

    [Fact]
    public void ReportsASecondEntryForOnePageAndAnEntryLeftOverAChangedPte()
    {
        var sim = ScenarioRunner.Build(TestScenarios.Parse(ReadWriteDontNeed("ppc-hash", "")));
        var checker = new HashAfterUnlockChecker(sim.Machine.Memory, sim.Machine.Geometry, sim.Diag);
        int table = sim.Kernel.AllocPageTable(0)!.Pfn; // an empty PTE table: every entry of its range is stale

        checker.CachedTranslationInserted(7, 0x4000_0000, 100, writable: true);
        checker.CachedTranslationInserted(7, 0x4000_0000, 101, writable: true);
        checker.CachedTranslationRemoved(7, 0x4000_0000, 101);
        checker.PteLockReleased(7, 0x401f_f000, table);
        checker.CachedTranslationRemoved(7, 0x4000_0000, 100);
        checker.PteLockReleased(7, 0x4000_0000, table);

        Assert.Equal(2, checker.Fired);
        Assert.Contains("a second translation-cache entry for 0x40000000", checker.Violations[0].Message);
        Assert.Contains("1 translation-cache entries", checker.Violations[1].Message);
    }

    [Fact]
    public void AnAddressSpaceBeingTornDownIsExempt()
    {
        var sim = ScenarioRunner.Build(TestScenarios.Parse(ReadWriteDontNeed("ppc-hash", "")));
        var checker = new HashAfterUnlockChecker(sim.Machine.Memory, sim.Machine.Geometry, sim.Diag);
        int table = sim.Kernel.AllocPageTable(0)!.Pfn;

        checker.CachedTranslationInserted(7, 0x4000_0000, 100, writable: false);
        checker.OperationStarted(1, "exit", 7, 0, ulong.MaxValue);
        checker.PteLockReleased(7, 0x4000_0000, table);

        Assert.Equal(0, checker.Fired);
    }
}
