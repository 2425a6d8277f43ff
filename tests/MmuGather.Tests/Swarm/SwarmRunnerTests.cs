using MmuGather.Swarm;

namespace MmuGather.Tests.Swarm;

/// <summary>
/// The swarm must fail when the kernel is broken (a bug switch on), shrink the failure to a
/// smaller scenario that still fails the same way, save it with its replay line, and give the
/// same results for any job count.
/// </summary>
public class SwarmRunnerTests
{
    [Fact]
    public void FailsWithABugSwitchOnAndShrinksTheFailure()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"swarm-test-{Environment.ProcessId}");
        var o = new SwarmOptions { Scenarios = 18, Runs = 5, Seed = 3, Jobs = 2, Bugs = ["free-before-flush"], ShrinkBudget = 40, OutDir = dir };

        SwarmSummary sum = SwarmRunner.Run(o);

        Assert.NotEmpty(sum.Failures);
        Assert.All(sum.Failures, f => Assert.Equal(SwarmOutcome.Violation, f.Outcome));
        Assert.Contains(sum.Failures, f => f.Shrunk!.Size < SwarmGenerator.Generate(o.Seed, f.Index).Size);
        foreach (SwarmCaseResult f in sum.Failures)
        {
            SwarmFailure again = Replay(f);
            Assert.True(again.SameKind(f.Failure!), $"{again.Message}\n{SwarmYaml.Render(f.Shrunk!)}");
            Assert.Contains("replay with: mmugather replay", File.ReadAllText(f.ShrunkPath!), StringComparison.Ordinal);
        }

        Assert.Contains("failures:", sum.Format(), StringComparison.Ordinal);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void ResultsDoNotDependOnTheJobCount()
    {
        var o = new SwarmOptions { Scenarios = 12, Runs = 3, Seed = 5, Bugs = ["free-before-flush"], ShrinkBudget = 10 };

        SwarmSummary one = SwarmRunner.Run(o with { Jobs = 1 });
        SwarmSummary two = SwarmRunner.Run(o with { Jobs = 2 });

        Assert.Equal(Describe(one), Describe(two));
    }

    /// <summary>The shrunk failure's own seed and strategy, replayed exactly.</summary>
    private static SwarmFailure Replay(SwarmCaseResult f)
    {
        SwarmFailure want = f.ShrunkFailure!;
        var scenario = MmuGather.Scenarios.ScenarioParser.Parse(SwarmYaml.Render(f.Shrunk!), "shrunk.yaml");
        var settings = new MmuGather.Scenarios.RunSettings { Strategy = want.Strategy, PctDepth = 3, PctSteps = Math.Max(1, want.PctSteps) };
        var bad = MmuGather.Explore.Explorer.RunOne(scenario, settings, want.Seed, 0, out _);
        Assert.NotNull(bad);
        return new SwarmFailure(SwarmOutcome.Violation, bad!.Violations[0].Checker, bad.Violations[0].Message, want.Strategy, want.Seed, want.PctSteps);
    }

    private static List<string> Describe(SwarmSummary s) =>
        [.. s.Cases.Select(c => $"{c.Index} {c.Outcome} {c.Interleavings} {c.Failure?.Seed} {c.Failure?.Key} {(c.Shrunk is null ? string.Empty : SwarmYaml.Render(c.Shrunk))}")];
}
