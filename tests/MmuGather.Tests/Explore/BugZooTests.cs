using MmuGather.Explore;
using MmuGather.Scenarios;
using MmuGather.Sim;
using MmuGather.Tests.Sim;

namespace MmuGather.Tests.Explore;

/// <summary>
/// The historical-bug zoo (scenarios/bugs): with its fix switched off, each scenario's bug is
/// found by a bounded exploration, and the printed seed replays it; with every fix in place,
/// the same explorations find nothing. This is CI's bounded exploration (a few thousand runs).
/// </summary>
public class BugZooTests
{
    /// <summary>The checker each bug must trip (a scenario without an entry here fails the test).</summary>
    private static readonly Dictionary<string, string> s_expectedChecker = new(StringComparer.Ordinal)
    {
        ["arm64-nested-flush-freed-tables.yaml"] = "flush-before-free",
        ["early-rmap.yaml"] = "lost-write",
        ["free-before-flush.yaml"] = "flush-before-free",
        ["full-batch-range.yaml"] = "flush-before-free",
        ["gup-fast-fork-race.yaml"] = "pinned-cow",
        ["nested-flush.yaml"] = "post-condition",
        ["no-rcu-table-free.yaml"] = "freed-table",
        ["mremap-late-flush.yaml"] = "lost-write",
        ["ppc-hash-late-flush.yaml"] = "hash-after-unlock",
        ["pte-accessible-no-pending.yaml"] = "lost-write",
        ["table-free-no-invalidate.yaml"] = "flush-before-free",
        ["x86-lazy-skip-freed-tables.yaml"] = "flush-before-free",
    };

    public static TheoryData<string> BugScenarios()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(Path.Combine(SchedulerTests.RepoRoot(), "scenarios", "bugs"), "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BugScenarios))]
    public void RandomExplorationFindsTheBugAndTheSeedReplaysIt(string name)
    {
        Scenario s = Load(name);
        var o = new ExploreOptions { Runs = 1000, BaseSeed = 1, Strategy = Strategies.Random, StopOnFirst = true };

        ExploreSummary sum = Explorer.Explore(s, o);

        Assert.NotNull(sum.FirstBadRun);
        ExploreRun bad = sum.Bad[0];
        Assert.Contains(bad.Violations, v => v.Checker == s_expectedChecker[name]);
        Assert.Equal(Explorer.SeedOf(1, bad.Index), bad.Seed);
        RunResult replay = ScenarioRunner.Run(s, bad.Seed, settings: Explorer.SettingsFor(o, sum.PctSteps));
        Assert.Equal(bad.Violations.Select(v => v.ToString()), replay.Violations.Select(v => v.ToString()));
    }

    [Theory]
    [MemberData(nameof(BugScenarios))]
    public void WithEveryFixInPlaceExplorationFindsNothing(string name)
    {
        Scenario s = Load(name);
        Scenario fixedScenario = s with { Kernel = s.Kernel with { Bugs = [] } };
        foreach (string strategy in new[] { Strategies.Random, Strategies.Pct })
        {
            ExploreSummary sum = Explorer.Explore(fixedScenario, new ExploreOptions { Runs = 150, BaseSeed = 11, Strategy = strategy, Jobs = 2 });

            Assert.Equal(150, sum.RunsDone);
            Assert.Equal(0, sum.RunsWithViolations);
            Assert.Equal(0, sum.RunsFailed);
        }
    }

    [Fact]
    public void TheSummaryDoesNotDependOnTheJobCount()
    {
        Scenario s = Load("nested-flush.yaml");
        var one = Explorer.Explore(s, new ExploreOptions { Runs = 120, BaseSeed = 5, Jobs = 1 });
        var two = Explorer.Explore(s, new ExploreOptions { Runs = 120, BaseSeed = 5, Jobs = 2 });

        Assert.Equal(
            (one.RunsDone, one.RunsWithViolations, one.RunsFailed, one.FirstBadRun, one.TotalPoints),
            (two.RunsDone, two.RunsWithViolations, two.RunsFailed, two.FirstBadRun, two.TotalPoints));
        Assert.Equal(one.RunsByChecker, two.RunsByChecker);
        Assert.Equal(one.Bad.Select(b => (b.Index, b.Seed)), two.Bad.Select(b => (b.Index, b.Seed)));
    }

    private static Scenario Load(string name) =>
        ScenarioParser.ParseFile(Path.Combine(SchedulerTests.RepoRoot(), "scenarios", "bugs", name));
}
