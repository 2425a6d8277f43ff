using MmuGather.Explore;
using MmuGather.Scenarios;
using MmuGather.Sim;
using MmuGather.Tests.Arch;
using MmuGather.Tests.Sim;

namespace MmuGather.Tests.Checkers;

/// <summary>
/// stale-permission fires when mprotect returns without flushing the rights it took away
/// (mprotect-no-flush, scenarios/broken/mprotect-no-flush.yaml), and stays silent on the
/// correct kernel, also over explored interleavings of an mprotect racing a sibling's stores.
/// </summary>
public class StalePermissionCheckerTests
{
    /// <summary>CPU1 stores to the region, CPU0 mprotects it (to <paramref name="prot"/>), CPU1 stores (and loads) again.</summary>
    private static string StoreProtectStore(string prot, string bugs, string arch = "x86") => CacheScenarios.Yaml(
        arch,
        2,
        [
            ["mmap: { name: buf, length: 64KiB, populate: true }", $"mprotect: {{ region: buf, prot: {prot} }}"],
            ["touch: { region: buf, write: true, repeat: 3 }", "touch: { region: buf, write: true }", "touch: { region: buf }"],
        ],
        memory: "256MiB",
        bugs: bugs);

    [Fact]
    public void TheShippedBrokenScenarioFiresOnlyStalePermission()
    {
        RunResult r = ScenarioRunner.Run(ScenarioParser.ParseFile(Path.Combine(SchedulerTests.RepoRoot(), "scenarios", "broken", "mprotect-no-flush.yaml")));

        Assert.NotEmpty(r.Violations);
        Assert.All(r.Violations, v => Assert.Equal("stale-permission", v.Checker));
        Assert.Contains("read-only", r.Violations[0].Message);
        Assert.Contains("touch", r.Violations[0].Step);
    }

    [Theory]
    [InlineData("r", "read-only")]
    [InlineData("none", "not accessible")]
    public void FiresOnAStoreThroughTheUnflushedEntryAfterTheReturn(string prot, string now)
    {
        RunResult r = TestScenarios.Run(StoreProtectStore(prot, "mprotect-no-flush"));

        Assert.Contains(r.Violations, v => v.Checker == "stale-permission" && v.Message.Contains("CPU1 stored") && v.Message.Contains(now));
    }

    [Theory]
    [InlineData("r", 1)]
    [InlineData("none", 2)]
    public void SilentOnTheCorrectKernelWhereTheAccessesFault(string prot, long segvs)
    {
        RunResult r = TestScenarios.Run(StoreProtectStore(prot, ""));

        Assert.True(r.Clean);
        Assert.Equal(segvs, r.Counters["user_segv"]); // the store; with PROT_NONE the load too
        Assert.Contains(r.Checked, c => c.Checker == "stale-permission" && c.Examined > 0);
    }

    [Theory]
    [InlineData("x86", Strategies.Random)]
    [InlineData("x86", Strategies.Pct)]
    [InlineData("arm64", Strategies.Random)]
    [InlineData("arm64", Strategies.Pct)]
    [InlineData("ppc-hash", Strategies.Random)]
    [InlineData("ppc-hash", Strategies.Pct)]
    public void SilentOverExploredInterleavingsOfTheRace(string arch, string strategy)
    {
        var options = new ExploreOptions { Runs = 200, BaseSeed = 3, Strategy = strategy, Jobs = 2 };

        ExploreSummary sum = Explorer.Explore(TestScenarios.Parse(StoreProtectStore("r", "", arch)), options);

        Assert.Equal((200, 0, 0), (sum.RunsDone, sum.RunsWithViolations, sum.RunsFailed));
    }

    [Fact]
    public void ExplorationOfTheBrokenKernelFindsIt()
    {
        Scenario s = TestScenarios.Parse(StoreProtectStore("r", "mprotect-no-flush"));

        ExploreSummary sum = Explorer.Explore(s, new ExploreOptions { Runs = 200, BaseSeed = 3, Strategy = Strategies.Random, StopOnFirst = true });

        Assert.NotNull(sum.FirstBadRun);
        Assert.Contains(sum.Bad[0].Violations, v => v.Checker == "stale-permission");
    }
}
