using MmuGather.Scenarios;

namespace MmuGather.Tests.Scenarios;

/// <summary><c>forked_from</c> and <c>- fork: { child }</c>: what is accepted, and each refusal with its line.</summary>
public class ForkParserTests
{
    private static string Yaml(string parentSteps, string childHeader = "forked_from: parent", string childSteps = "- touch: { region: buf }", string extra = "") => $$"""
        name: t
        processes:
          - name: parent
            threads:
              - cpu: 0
                steps:
                  - mmap: { name: buf, length: 4KiB }
                  {{parentSteps}}
          - name: child
            {{childHeader}}
            threads:
              - cpu: 1
                steps:
                  {{childSteps}}
        {{extra}}
        """;

    [Fact]
    public void AForkedProcessNamesItsParentAndMayUseTheParentsRegions()
    {
        Scenario s = TestScenarios.Parse(Yaml("- fork: { child: child }"));

        Assert.Null(s.Processes[0].ForkedFrom);
        Assert.Equal("parent", s.Processes[1].ForkedFrom);
        Assert.Equal(new ForkStep(8, "child"), s.Processes[0].Threads[0].Steps[1]);
        Assert.Equal("fork", s.Processes[0].Threads[0].Steps[1].Op);
    }

    [Theory]
    [InlineData("- fork: { child: child }", "forked_from: nobody", "- spin", 9, "process 'child' is forked_from 'nobody', which is not a process of this scenario")]
    [InlineData("- fork: { child: child }", "forked_from: child", "- spin", 9, "process 'child' descends from itself through forked_from")]
    [InlineData("- fork: { child: ghost }", "forked_from: parent", "- spin", 8, "fork names child 'ghost', which is not a process of this scenario")]
    [InlineData("- fork: { child: child }", "footprint: 4KiB", "- spin", 8, "process 'parent' forks 'child', but 'child' is not declared forked_from any process")]
    [InlineData("- fork: { child: child }\n          - fork: { child: child }", "forked_from: parent", "- spin", 9, "process 'child' is already forked by the step on line 8")]
    [InlineData("- spin", "forked_from: parent", "- spin", 9, "process 'child' is forked_from 'parent' but no thread of 'parent' has a '- fork: { child: child }' step")]
    [InlineData("- fork: { child: child }", "forked_from: parent", "- touch: { region: nope }", 14, "region 'nope' is not defined by any mmap in process 'child'")]
    [InlineData("- fork: {}", "forked_from: parent", "- spin", 8, "missing required key 'child' in 'fork'")]
    [InlineData("- fork", "forked_from: parent", "- spin", 8, "step 'fork' needs its arguments")]
    public void BadForksAreRefusedWithTheirLine(string parentSteps, string childHeader, string childSteps, int line, string what)
    {
        var e = Assert.Throws<ScenarioException>(() => TestScenarios.Parse(Yaml(parentSteps, childHeader, childSteps)));

        Assert.Equal(line, e.Line);
        Assert.Contains(what, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACycleOfTwoIsRefused()
    {
        string yaml = Yaml("- fork: { child: child }").Replace("  - name: parent\n", "  - name: parent\n    forked_from: child\n", StringComparison.Ordinal);

        var e = Assert.Throws<ScenarioException>(() => TestScenarios.Parse(yaml));

        Assert.Contains("descends from itself", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AForkedProcessCannotHaveAFootprint()
    {
        var e = Assert.Throws<ScenarioException>(() => TestScenarios.Parse(Yaml("- fork: { child: child }", "forked_from: parent\n    footprint: 4KiB")));

        Assert.Contains("cannot have a footprint", e.Message, StringComparison.Ordinal);
    }
}
