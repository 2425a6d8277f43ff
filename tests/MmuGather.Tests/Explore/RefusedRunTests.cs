using MmuGather.Explore;
using MmuGather.Scenarios;

namespace MmuGather.Tests.Explore;

/// <summary>
/// Refused runs (a step splits a huge PMD whose page gup_fast holds pinned, which the model
/// does not cover) are an outcome of their run: counted, kept with their seed and step, never
/// bad runs, and like everything else in the summary independent of the job count, stop-on-first included.
/// </summary>
public class RefusedRunTests
{
    /// <summary>
    /// Thread 0 maps a THP region and unmaps one page of it, with the free-before-flush bug;
    /// thread 1 touches its start and pins it with gup_fast. Some interleavings have
    /// violations (thread 1's cached entries), some are refused (the split meets the pin),
    /// some neither.
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
                  - mmap: { name: b, length: 4MiB, populate: true, thp: true }
                  - munmap: { region: b, offset: 4KiB, length: 4KiB }
              - cpu: 1
                steps:
                  - touch: { region: b, length: 8KiB }
                  - gup_fast: { region: b, length: 8KiB }
        """;

    [Fact]
    public void RefusedRunsAreKeptApartFromBadRunsWithTheirStep()
    {
        ExploreSummary sum = Explorer.Explore(TestScenarios.Parse(Mixed), new ExploreOptions { Runs = 60, BaseSeed = 1 });

        Assert.InRange(sum.RunsRefused, 1, 59);
        Assert.InRange(sum.RunsWithViolations, 1, 59);
        Assert.Equal(sum.RunsRefused, sum.Refused.Count);
        Assert.All(sum.Refused, r => Assert.Equal(ExploreOutcome.Refused, r.Outcome));
        Assert.All(sum.Refused, r => Assert.Contains("test.yaml:10: thread app/0 step 2 (munmap, line 10)", r.Failure, StringComparison.Ordinal));
        Assert.All(sum.Refused, r => Assert.Equal(Explorer.SeedOf(1, r.Index), r.Seed));
        Assert.DoesNotContain(sum.Bad, b => sum.Refused.Any(r => r.Index == b.Index));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RefusalsDoNotDependOnTheJobCount(bool stopOnFirst)
    {
        Scenario s = TestScenarios.Parse(Mixed);

        // Base seed 38: runs 0 and 1 are refused before the first bad run, 2.
        ExploreSummary one = Explorer.Explore(s, new ExploreOptions { Runs = 30, BaseSeed = 38, StopOnFirst = stopOnFirst, Jobs = 1 });
        ExploreSummary two = Explorer.Explore(s, new ExploreOptions { Runs = 30, BaseSeed = 38, StopOnFirst = stopOnFirst, Jobs = 2 });

        Assert.Equal((one.RunsDone, one.RunsRefused, one.FirstBadRun), (two.RunsDone, two.RunsRefused, two.FirstBadRun));
        Assert.Equal(one.Refused.Select(r => r.Index), two.Refused.Select(r => r.Index));
        if (stopOnFirst)
        {
            Assert.Equal(2, one.FirstBadRun);
            Assert.Equal([0L, 1L], one.Refused.Select(r => r.Index));
            Assert.Equal(2, one.RunsRefused);
        }
    }
}
