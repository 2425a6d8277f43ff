using MmuGather.Explore;
using MmuGather.Scenarios;

namespace MmuGather.Tests.Explore;

/// <summary>
/// Refused runs (a step reaches a huge PMD split, which the model does not cover) are an
/// outcome of their run: counted, kept with their seed and step, never bad runs, and like
/// everything else in the summary independent of the job count, stop-on-first included.
/// </summary>
public class RefusedRunTests
{
    /// <summary>
    /// Thread 0 unmaps a populated region and maps a THP region in its place, with the
    /// free-before-flush bug; thread 1 unmaps one page of the old region. Some interleavings
    /// have violations, some are refused (the page cuts the new huge PMD), some neither.
    /// </summary>
    private const string Mixed = """
        name: mixed
        machine: { arch: x86, cpus: 2, memory: 4GiB }
        kernel: { bugs: [free-before-flush] }
        processes:
          - name: app
            threads:
              - cpu: 0
                steps:
                  - mmap: { name: a, length: 4MiB, populate: true }
                  - munmap: { region: a }
                  - mmap: { name: b, length: 4MiB, populate: true, thp: true }
              - cpu: 1
                steps:
                  - munmap: { region: a, offset: 4KiB, length: 4KiB }
        """;

    [Fact]
    public void RefusedRunsAreKeptApartFromBadRunsWithTheirStep()
    {
        ExploreSummary sum = Explorer.Explore(TestScenarios.Parse(Mixed), new ExploreOptions { Runs = 60, BaseSeed = 1 });

        Assert.InRange(sum.RunsRefused, 1, 59);
        Assert.InRange(sum.RunsWithViolations, 1, 59);
        Assert.Equal(sum.RunsRefused, sum.Refused.Count);
        Assert.All(sum.Refused, r => Assert.Equal(ExploreOutcome.Refused, r.Outcome));
        Assert.All(sum.Refused, r => Assert.Contains("test.yaml:14: thread app/1 step 1 (munmap, line 14)", r.Failure, StringComparison.Ordinal));
        Assert.All(sum.Refused, r => Assert.Equal(Explorer.SeedOf(1, r.Index), r.Seed));
        Assert.DoesNotContain(sum.Bad, b => sum.Refused.Any(r => r.Index == b.Index));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RefusalsDoNotDependOnTheJobCount(bool stopOnFirst)
    {
        Scenario s = TestScenarios.Parse(Mixed);

        // Base seed 20: runs 1 and 2 are refused before the first bad run, 3.
        ExploreSummary one = Explorer.Explore(s, new ExploreOptions { Runs = 30, BaseSeed = 20, StopOnFirst = stopOnFirst, Jobs = 1 });
        ExploreSummary two = Explorer.Explore(s, new ExploreOptions { Runs = 30, BaseSeed = 20, StopOnFirst = stopOnFirst, Jobs = 2 });

        Assert.Equal((one.RunsDone, one.RunsRefused, one.FirstBadRun), (two.RunsDone, two.RunsRefused, two.FirstBadRun));
        Assert.Equal(one.Refused.Select(r => r.Index), two.Refused.Select(r => r.Index));
        if (stopOnFirst)
        {
            Assert.Equal(3, one.FirstBadRun);
            Assert.Equal([1L, 2L], one.Refused.Select(r => r.Index));
            Assert.Equal(2, one.RunsRefused);
        }
    }
}
