using MmuGather.Explore;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Tests.Explore;

/// <summary>
/// Regression tests for what the swarm found on the correct kernel (docs/swarm-findings.md), each
/// built from the shrunk reproducer and replayed from the seed that showed it.
/// </summary>
public class SwarmFindingsTests
{
    /// <summary>
    /// Finding 2: thread 2 maps r0_2_0 at the address r0_0_0 had; thread 1's munmap through the
    /// stale name r0_0_0 cuts the new vma after mmap dropped the lock and before the runner
    /// recorded the region from the vma's bounds, so the region looked 88 KiB long and
    /// <c>offset: 192KiB</c> became a munmap of length 0, refused (exit 2). The region is what
    /// mmap returned: its address and the length asked for.
    /// </summary>
    private const string StaleNameCutsFreshMapping = """
        name: swarm-1-53
        machine: { arch: x86-invlpgb, cpus: 2, memory: 256MiB }
        processes:
          - name: p0
            threads:
              - cpu: 0
                steps:
                  - mmap: { name: r0_0_0, length: 408KiB }
                  - munmap: { region: r0_0_0 }
              - cpu: 0
                steps:
                  - munmap: { region: r0_0_0 }
              - cpu: 1
                steps:
                  - mmap: { name: r0_2_0, length: 496KiB }
                  - munmap: { region: r0_2_0, offset: 192KiB }
        """;

    [Fact]
    public void AMunmapThroughAStaleNameDoesNotShrinkTheRegionAFreshMmapRecords()
    {
        Scenario s = TestScenarios.Parse(StaleNameCutsFreshMapping);
        var settings = new RunSettings { Strategy = Strategies.Random };

        ExploreRun? bad = Explorer.RunOne(s, settings, 12073976121222340825, 0, out _);

        Assert.Null(bad);
    }

    [Theory]
    [InlineData(Strategies.Random)]
    [InlineData(Strategies.Pct)]
    public void TheReproducerExploresClean(string strategy)
    {
        var o = new ExploreOptions { Runs = 300, Strategy = strategy, BaseSeed = 1 };

        ExploreSummary sum = Explorer.Explore(TestScenarios.Parse(StaleNameCutsFreshMapping), o);

        Assert.Equal(0, sum.RunsWithViolations + sum.RunsFailed);
    }

    /// <summary>
    /// Finding 3: thread 0 touches through the stale name r0_0_1 the THP region thread 1 is
    /// populating at the same address; its huge page cannot be had (user-page allocations fail
    /// from the third), so it falls back to a PTE table, while thread 1's fault installs a huge
    /// PMD there. __pte_alloc then took the huge PMD for a table pointer (a broken invariant,
    /// exit 3). Linux frees the new table and retries the fault.
    /// </summary>
    private const string HugePmdRacesPteAlloc = """
        name: swarm-1-988
        machine: { arch: x86, cpus: 3, memory: 64MiB, fail_alloc: [ { site: user-page, nth: 3 } ] }
        kernel: { gather: percpu-2.6 }
        processes:
          - name: p0
            threads:
              - cpu: 0
                steps:
                  - mmap: { name: r0_0_1, length: 2MiB, populate: true, thp: true }
                  - munmap: { region: r0_0_1 }
                  - touch: { region: r0_0_1 }
              - cpu: 2
                steps:
                  - mmap: { name: r0_2_1, length: 2MiB, populate: true, thp: true }
        """;

    [Fact]
    public void AFaultThatLosesTheRaceToAHugePmdRetries()
    {
        Scenario s = TestScenarios.Parse(HugePmdRacesPteAlloc);
        var settings = new RunSettings { Strategy = Strategies.Random };

        ExploreRun? bad = Explorer.RunOne(s, settings, 813388871559262911, 0, out _);

        Assert.Null(bad);
    }

    [Theory]
    [InlineData(Strategies.Random)]
    [InlineData(Strategies.Pct)]
    public void TheHugePmdReproducerExploresClean(string strategy)
    {
        var o = new ExploreOptions { Runs = 300, Strategy = strategy, BaseSeed = 1 };

        ExploreSummary sum = Explorer.Explore(TestScenarios.Parse(HugePmdRacesPteAlloc), o);

        Assert.Equal(0, sum.RunsWithViolations + sum.RunsFailed);
    }

    // Swarm finding (after PT_RECLAIM landed): a read fault on a shared file page racing with
    // a MADV_DONTNEED that reclaimed the PTE table gave the page-cache page's reference back
    // twice (once when the install saw the table gone, once more in the file-fault path), so
    // the page was freed while still cached: "put_page ... with no reference" at teardown.
    private const string ReclaimRacesFileFault = """
        name: swarm-20261202-485
        machine: { arch: x86-invlpgb, cpus: 1, memory: 512MiB }
        processes:
          - name: p0
            threads:
              - cpu: 0
                steps:
                  - mmap: { name: r0_0_1, length: 2MiB, kind: file-shared }
                  - touch: { region: r0_0_1 }
              - cpu: 0
                steps:
                  - madvise: { region: r0_0_1, advice: dontneed }
        """;

    [Fact]
    public void AFileFaultLosingItsTableToPtReclaimPutsThePageOnce()
    {
        ExploreRun? bad = Explorer.RunOne(TestScenarios.Parse(ReclaimRacesFileFault), new RunSettings { Strategy = Strategies.Random }, 14033417403608770596, 0, out _);

        Assert.Null(bad);
    }

    [Fact]
    public void TheReclaimRaceExploresClean()
    {
        ExploreSummary sum = Explorer.Explore(TestScenarios.Parse(ReclaimRacesFileFault), new ExploreOptions { Runs = 500, Strategy = Strategies.Random, BaseSeed = 1 });

        Assert.Equal(0, sum.RunsWithViolations + sum.RunsFailed);
    }
}
