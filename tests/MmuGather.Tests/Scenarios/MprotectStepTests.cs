using MmuGather.Scenarios;
using MmuGather.Sim;
using MmuGather.Tests.Arch;

namespace MmuGather.Tests.Scenarios;

/// <summary>The mprotect step: parsing, its file:line errors, and what a run of it reports.</summary>
public class MprotectStepTests
{
    /// <summary>One thread: the mmap of buf (line 9), then the mprotect step (line 10).</summary>
    private static string Scenario(string mprotect, string region = "length: 64KiB, populate: true") =>
        CacheScenarios.Yaml("x86", 1, [[$"mmap: {{ name: buf, {region} }}", $"mprotect: {mprotect}"]]);

    [Fact]
    public void ParsesRegionProtOffsetAndLength()
    {
        Scenario s = TestScenarios.Parse(Scenario("{ region: buf, prot: rx, offset: 4KiB, length: 8KiB }"));

        Step step = s.Processes[0].Threads[0].Steps[1];
        Assert.Equal(new MprotectStep(10, "buf", "rx", 4096, 8192), step);
        Assert.Equal("mprotect", step.Op);
    }

    [Theory]
    [InlineData("{ region: buf, prot: w }", "prot")]
    [InlineData("{ region: buf }", "prot")]
    [InlineData("{ region: buf, prot: r, offset: 100 }", "offset")]
    [InlineData("{ region: buf, prot: r, offset: 64KiB }", "beyond the end")]
    [InlineData("{ region: buf, prot: r, offset: 60KiB, length: 8KiB }", "exceeds")]
    [InlineData("{ region: nope, prot: r }", "nope")]
    [InlineData("{ region: buf, prot: r, mode: x }", "mode")]
    public void BadArgumentsNameTheLine(string args, string mentions)
    {
        ScenarioException e = Assert.Throws<ScenarioException>(() => TestScenarios.Parse(Scenario(args)));

        Assert.Equal(10, e.Line);
        Assert.Contains(mentions, e.What);
    }

    [Fact]
    public void ACutThroughAHugePageSplitsIt()
    {
        string yaml = Scenario("{ region: buf, prot: r, offset: 4KiB, length: 4KiB }", "length: 4MiB, thp: true, populate: true");

        RunResult r = TestScenarios.Run(yaml);

        Assert.Equal(1, r.Counters["huge_pmd_splits"]);
        Assert.Empty(r.Violations);
    }

    [Theory]
    [InlineData("current")]
    [InlineData("percpu-2.6")]
    public void ADowngradeWithASpinningSiblingCostsOneShootdownAndStoresAfterItFault(string gather)
    {
        string yaml = CacheScenarios.Yaml(
            "x86",
            2,
            [["mmap: { name: buf, length: 64KiB, populate: true }", "mprotect: { region: buf, prot: r }", "touch: { region: buf, write: true }"], ["spin"]]);
        RunResult r = TestScenarios.Run(yaml.Replace("kernel: { bugs: [] }", $"kernel: {{ gather: {gather} }}", StringComparison.Ordinal));

        Assert.True(r.Clean);
        Assert.Equal(1, TestScenarios.StepOf(r, "mprotect").TlbShootdownIpis);
        Assert.Equal(1, r.Counters["user_segv"]);
    }
}
