using MmuGather.Swarm;

namespace MmuGather.Tests.Swarm;

/// <summary>
/// The swarm's CI slice: 150 generated scenarios (every back-end, gather mode, step kind and
/// machine option), each explored with 20 random and 20 PCT interleavings, against the correct
/// kernel. Any violation, broken invariant, refusal, parse error or escaped exception fails it,
/// with the shrunk reproducer and its replay line in the message. (This replaces the x86-only
/// GeneratedScenarioTests; like it, every run ends with the leak checker.)
/// </summary>
public class SwarmSliceTests
{
    [Fact]
    public void GeneratedScenariosRunCleanUnderBothStrategies()
    {
        var o = new SwarmOptions { Scenarios = 150, Runs = 20, Seed = 8, Jobs = 2, ShrinkBudget = 60 };

        SwarmSummary sum = SwarmRunner.Run(o);

        Assert.True(sum.Failures.Count == 0, sum.Format() + string.Concat(sum.Failures.Select(f => "\n" + SwarmYaml.Render(f.Shrunk ?? SwarmGenerator.Generate(o.Seed, f.Index)))));
        Assert.Equal(150 * 20 * 2, sum.Interleavings);
    }
}
