using MmuGather.Cli;
using MmuGather.Explore;

namespace MmuGather.Tests.Cli;

/// <summary>
/// The exit code of a whole exploration, by precedence: an internal error in any run (3) over
/// a violation or broken invariant (1) over a refused run (2) over clean (0).
/// </summary>
public class ExploreExitCodeTests
{
    [Theory]
    [InlineData(0, 0, 0, 0, 0)]
    [InlineData(0, 0, 1, 0, 2)]
    [InlineData(1, 0, 1, 0, 1)]
    [InlineData(0, 1, 1, 0, 1)]
    [InlineData(1, 1, 1, 1, 3)]
    [InlineData(0, 0, 0, 1, 3)]
    public void PrecedenceIsInternalErrorThenProblemsThenRefusals(long violations, long failed, long refused, long internalErrors, int expected)
    {
        var summary = new ExploreSummary("s", "random", 1, 0, 10, violations, failed, null, new Dictionary<string, long>(), [], 0, 0)
        {
            RunsRefused = refused,
            RunsInternalError = internalErrors,
        };

        var report = new ExploreReport(summary, "s.yaml", new ExploreOptions());

        Assert.Equal(expected, report.ExitCode);
    }
}
