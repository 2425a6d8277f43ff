using MmuGather.Explore;
using MmuGather.Scenarios;
using MmuGather.Sim;
using MmuGather.Sim.Checkers;
using MmuGather.Tests.Cli;
using MmuGather.Tests.Mm;

namespace MmuGather.Tests.Checkers;

/// <summary>
/// cow-stale-write: fires when a parent CPU stores through a writable TLB entry into a page
/// fork shares with the child after the fork returned (fork-no-flush), and stays quiet on the
/// correct kernel, including for the stores a sibling makes while the fork is still running.
/// </summary>
public class CowStaleWriteCheckerTests
{
    [Fact]
    public void TheBrokenScenarioFiresTheChecker()
    {
        RunResult r = ScenarioRunner.Run(ScenarioParser.ParseFile(RepositoryRoot.Combine("scenarios/broken/fork-no-flush.yaml")));

        Assert.Contains(r.Violations, v => v.Checker == "cow-stale-write");
        Assert.All(r.Violations, v => Assert.Equal("cow-stale-write", v.Checker));
    }

    [Theory]
    [InlineData("")]
    [InlineData("flush_api: gather")]
    public void ForkNoFlushIsFoundByExplorationAndTheFixedKernelIsQuiet(string kernel)
    {
        Scenario broken = TestScenarios.Parse(ForkScenarios.SiblingStoresAcrossFork(kernel: kernel.Length == 0 ? "bugs: [fork-no-flush]" : $"{kernel}, bugs: [fork-no-flush]"));
        Scenario correct = TestScenarios.Parse(ForkScenarios.SiblingStoresAcrossFork(kernel: kernel));

        ExploreSummary bad = Explorer.Explore(broken, new ExploreOptions { Runs = 200, BaseSeed = 1, StopOnFirst = true });
        bool gather = kernel.Length > 0;
        if (gather)
        {
            // The switch removes flush_tlb_mm only; the gather design flushes at tlb_finish_mmu.
            Assert.Null(bad.FirstBadRun);
        }
        else
        {
            Assert.NotNull(bad.FirstBadRun);
            Assert.Contains(bad.Bad[0].Violations, v => v.Checker == "cow-stale-write");
        }

        foreach (string strategy in new[] { Strategies.Random, Strategies.Pct })
        {
            ExploreSummary sum = Explorer.Explore(correct, new ExploreOptions { Runs = 300, BaseSeed = 3, Strategy = strategy, Jobs = 2 });

            Assert.Equal((300, 0, 0), (sum.RunsDone, sum.RunsWithViolations, sum.RunsFailed));
        }
    }

    [Fact]
    public void StoresWhileTheForkRunsAreSeenAndAllowed()
    {
        // The exemption is exercised, not just written: some interleavings have the sibling
        // store through its stale writable entry into a page already shared with the child
        // while dup_mmap is still copying, and none of them is reported.
        long during = 0;
        long examined = 0;
        Scenario s = TestScenarios.Parse(ForkScenarios.SiblingStoresAcrossFork());
        for (ulong seed = 1; seed <= 60; seed++)
        {
            Simulation sim = ScenarioRunner.Build(s, seed, new RunSettings { Strategy = Strategies.Random });
            RunResult r = sim.Run();
            var checker = (CowStaleWriteChecker)sim.Checkers.Single(c => c.Name == "cow-stale-write");

            Assert.Empty(r.Violations);
            during += checker.StoresDuringFork;
            examined += checker.Examined;
        }

        Assert.True(during > 0, "no interleaving stored into a shared page during the fork");
        Assert.True(examined > during);
    }
}
