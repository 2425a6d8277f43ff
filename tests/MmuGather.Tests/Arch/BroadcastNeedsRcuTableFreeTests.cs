using MmuGather.Explore;
using MmuGather.Scenarios;
using MmuGather.Sim;
using MmuGather.Tests.Sim;

namespace MmuGather.Tests.Arch;

/// <summary>
/// Why arm64, powerpc radix and RISC-V need RCU table freeing: their flushes interrupt no
/// S-mode/EL1 code (TLBI and tlbie are broadcast in hardware, the SBI fence interrupts in
/// M-mode), so an interrupts-off gup_fast walker never holds a flush off. With the grace
/// period switched off (the no-rcu-table-free scenario on each), explore finds the walker
/// reading a table freed under it; with it, nothing.
/// </summary>
public class BroadcastNeedsRcuTableFreeTests
{
    [Theory]
    [InlineData("arm64")]
    [InlineData("ppc-radix")]
    [InlineData("riscv")]
    public void WithoutTheGracePeriodGupFastReadsAFreedTable(string arch)
    {
        Scenario s = OnArch(arch);
        var o = new ExploreOptions { Runs = 1000, BaseSeed = 1, Strategy = Strategies.Random, StopOnFirst = true };

        ExploreSummary sum = Explorer.Explore(s, o);

        Assert.NotNull(sum.FirstBadRun);
        Assert.Contains(sum.Bad[0].Violations, v => v.Checker == "freed-table");
    }

    [Theory]
    [InlineData("arm64")]
    [InlineData("ppc-radix")]
    [InlineData("riscv")]
    public void WithTheGracePeriodNothingIsFound(string arch)
    {
        Scenario s = OnArch(arch);
        Scenario fixedScenario = s with { Kernel = s.Kernel with { Bugs = [] } };

        ExploreSummary sum = Explorer.Explore(fixedScenario, new ExploreOptions { Runs = 150, BaseSeed = 11, Strategy = Strategies.Random, Jobs = 2 });

        Assert.Equal(0, sum.RunsWithViolations + sum.RunsFailed);
    }

    private static Scenario OnArch(string arch)
    {
        string yaml = File.ReadAllText(Path.Combine(SchedulerTests.RepoRoot(), "scenarios", "bugs", "no-rcu-table-free.yaml"));
        return TestScenarios.Parse(yaml.Replace("arch: x86-invlpgb", $"arch: {arch}", StringComparison.Ordinal));
    }
}
