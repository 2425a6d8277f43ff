using MmuGather.Explore;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Tests.Mm;

/// <summary>
/// split_huge_pmd: a munmap or MADV_DONTNEED that cuts a huge page splits its PMD first
/// (pmdp_invalidate and its flush, the deposited table hooked in), then zaps the PTEs of the
/// part it covers. The flush counts match the 6.18 host (scenarios/fidelity/thp-split-*.yaml).
/// </summary>
public class HugePmdSplitTests
{
    private static string Cut(string arch, string op) => $$"""
        name: thp-split
        machine: { arch: {{arch}}, cpus: 2 }
        processes:
          - name: app
            threads:
              - cpu: 0
                steps:
                  - mmap: { name: huge, length: 4MiB, populate: true, thp: true }
                  - {{op}}
              - cpu: 1
                steps:
                  - spin
        """;

    [Fact]
    public void AMunmapCuttingTwoHugePagesSplitsBothAndFreesOnlyItsRange()
    {
        RunResult r = TestScenarios.Run(Cut("x86", "munmap: { region: huge, offset: 1MiB, length: 2MiB }"));

        StepResult munmap = TestScenarios.StepOf(r, "munmap");
        Assert.Equal(2, r.Counters["huge_pmd_splits"]);
        Assert.Equal(512, munmap.PagesFreed); // 2 MiB of base pages; the other 2 MiB stay mapped
        Assert.Equal(3, munmap.RemoteFlushRounds); // host: 3 (two pmdp_invalidate flushes, the gather's)
        Assert.Equal(1024, r.Counters["pages_freed"] + r.Teardown["pages_freed"]);
        Assert.Empty(r.Violations);
    }

    [Fact]
    public void ADontNeedInsideAHugePageSplitsItOnce()
    {
        RunResult r = TestScenarios.Run(Cut("x86", "madvise: { region: huge, advice: dontneed, offset: 1MiB, length: 64KiB }"));

        StepResult madvise = TestScenarios.StepOf(r, "madvise");
        Assert.Equal(1, r.Counters["huge_pmd_splits"]);
        Assert.Equal(16, madvise.PagesFreed);
        Assert.Equal(2, madvise.RemoteFlushRounds); // host: 2
        Assert.Empty(r.Violations);
    }

    [Fact]
    public void AWholeHugePageIsZappedWithoutASplit()
    {
        RunResult r = TestScenarios.Run(Cut("x86", "munmap: { region: huge, offset: 2MiB, length: 2MiB }"));

        Assert.Equal(0, r.Counters["huge_pmd_splits"]);
        Assert.Empty(r.Violations);
    }

    [Theory]
    [InlineData("x86")]
    [InlineData("x86-invlpgb")]
    [InlineData("arm64")]
    [InlineData("arm64-tlbirange")]
    [InlineData("ppc-radix")]
    [InlineData("ppc-hash")]
    [InlineData("riscv")]
    [InlineData("s390")]
    [InlineData("sparc64")]
    public void SplitsAgainstASiblingThatKeepsStoringAreCleanOnEveryBackEnd(string arch)
    {
        Scenario s = TestScenarios.Parse($$"""
            name: thp-split-race
            machine: { arch: {{arch}}, cpus: 2 }
            processes:
              - name: app
                threads:
                  - cpu: 0
                    steps:
                      - mmap: { name: huge, length: 8MiB, populate: true, thp: true }
                      - munmap: { region: huge, offset: 1MiB, length: 2MiB }
                      - madvise: { region: huge, advice: dontneed, offset: 5MiB, length: 64KiB }
                      - munmap: { region: huge }
                  - cpu: 1
                    steps:
                      - touch: { region: huge, write: true }
                      - touch: { region: huge, offset: 4MiB, length: 4MiB }
            """);
        ExploreSummary sum = Explorer.Explore(s, new ExploreOptions { Runs = 60, BaseSeed = 1, Strategy = Strategies.Random });

        Assert.Equal(60, sum.RunsDone);
        Assert.Equal(0, sum.RunsWithViolations + sum.RunsFailed + sum.RunsRefused + sum.RunsInternalError);
    }
}
