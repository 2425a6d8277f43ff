using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Tests.Mm;

/// <summary>
/// x86-64 in v6.18 folds the p4d at run time: a munmap that leaves a 512 GiB slot empty marks
/// the gather although no table was ever allocated there (measured on the host: 1 remote round).
/// </summary>
public sealed class FoldedP4dTests
{
    private static string Scenario(string arch, bool neighbour) => $$"""
        name: folded
        machine: { arch: {{arch}}, cpus: 2 }
        processes:
          - name: app
            threads:
              - cpu: 0
                steps:
        {{(neighbour ? "          - mmap: { name: x, length: 4KiB, populate: true }\n" : "")}}          - mmap: { name: a, length: 4KiB }
                  - munmap: { region: a }
              - cpu: 1
                steps:
                  - spin
        """;

    private static long MunmapRounds(string arch, bool neighbour)
    {
        RunResult r = ScenarioRunner.Build(ScenarioParser.Parse(Scenario(arch, neighbour), "folded.yaml"), null, RunSettings.Default with { Strategy = Strategies.Turns }).Run();
        return r.Steps.Single(s => s.Op == "munmap").RemoteFlushRounds;
    }

    [Fact]
    public void AnUntouchedPageAloneInItsSlotCostsOneRoundOnX86()
    {
        Assert.Equal(1, MunmapRounds("x86", neighbour: false));
    }

    [Fact]
    public void ANeighbourInTheSlotKeepsItFromBeingEmptied()
    {
        Assert.Equal(0, MunmapRounds("x86", neighbour: true));
    }

    [Fact]
    public void AnArchitectureWithoutARunTimeFoldedLevelDoesNotFlush()
    {
        RunResult r = ScenarioRunner.Build(ScenarioParser.Parse(Scenario("arm64", false), "folded.yaml"), null, RunSettings.Default with { Strategy = Strategies.Turns }).Run();
        Assert.Equal(0, r.Counters["tlb_flushes"]); // x86 flushes once here (the first test)
    }
}
