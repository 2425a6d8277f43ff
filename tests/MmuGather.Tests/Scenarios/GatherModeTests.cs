using MmuGather.Machine;
using MmuGather.Mm;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Tests.Scenarios;

/// <summary>
/// <c>kernel: { gather: ... }</c>: parsing, and the latency claim of the 2011 mmu_gather
/// rework measured on the time strategy (docs/cost-model.md, "Latency: the 2011 claim").
/// </summary>
public sealed class GatherModeTests
{
    private static readonly CostModel s_costs = CostModel.X86;

    private static string Munmap(long pages, string gather) => $$"""
        name: latency-{{pages}}
        machine: { arch: x86, cpus: 2, memory: 1GiB }
        kernel: { gather: {{gather}} }
        processes:
          - name: app
            threads:
              - cpu: 0
                steps:
                  - mmap: { name: buf, length: {{pages * 4096}}, populate: true }
                  - munmap: { region: buf }
              - cpu: 1
                steps:
                  - spin: {}
        """;

    /// <summary>The longest preemption-off stretch of a munmap of <paramref name="pages"/> populated pages, time strategy.</summary>
    private static long MaxPreemptOff(long pages, string gather)
    {
        RunResult r = ScenarioRunner.Run(TestScenarios.Parse(Munmap(pages, gather)), settings: new RunSettings { Strategy = Strategies.Time });
        Assert.True(r.Clean, string.Join("\n", r.Violations.Select(v => v.Message)));
        return r.Counters["max_preempt_off_cycles"];
    }

    [Theory]
    [InlineData("kernel: { gather: percpu-2.6 }", GatherMode.PerCpu26)]
    [InlineData("kernel: { gather: current, bugs: [] }", GatherMode.Current)]
    [InlineData("kernel: { bugs: [] }", GatherMode.Current)]
    public void GatherKey_SelectsTheMode(string kernel, GatherMode expected)
    {
        Scenario s = TestScenarios.Parse($"name: t\n{kernel}\nprocesses:\n  - name: p\n    threads: [{{ cpu: 0, steps: [] }}]\n");

        Assert.Equal(expected, s.Kernel.Gather);
    }

    [Fact]
    public void UnknownGather_NamesFileLineAndTheKnownModes()
    {
        const string yaml = "name: t\nkernel:\n  gather: percpu-3.0\nprocesses:\n  - name: p\n    threads: [{ cpu: 0, steps: [] }]\n";

        var e = Assert.Throws<ScenarioException>(() => TestScenarios.Parse(yaml));

        Assert.Equal(3, e.Line);
        Assert.Equal("test.yaml:3: 'gather' must be one of current, percpu-2.6, got 'percpu-3.0'", e.Message);
        Assert.Equal(["current", "percpu-2.6"], ScenarioParser.KnownGatherModes);
    }

    [Fact]
    public void ShippedLegacyScenario_AsksForThePerCpuGather()
    {
        Scenario s = ScenarioParser.ParseFile(Cli.RepositoryRoot.Combine("scenarios", "munmap-1gib-legacy-gather.yaml"));

        Assert.Equal(GatherMode.PerCpu26, s.Kernel.Gather);
    }

    [Fact]
    public void CurrentGather_StretchIsOnePteTableAndAFlush_WhateverTheSize()
    {
        // Preemption is off only under a PTE lock: at most one table of zaps (512 PTEs) plus
        // the flush a full gather forces before the lock is dropped.
        long table = 512 * s_costs.ZapPte;
        long flush = s_costs.IpiSend + s_costs.IpiLatency + s_costs.IpiHandler + s_costs.FlushAll;
        long small = MaxPreemptOff(8192, "current");
        long large = MaxPreemptOff(16384, "current");

        Assert.InRange(small, table, table + (2 * flush));
        Assert.InRange(large, table, table + (2 * flush));
    }

    [Fact]
    public void PerCpuGather_StretchIsTheWholeMunmap_AndGrowsWithIt()
    {
        long current = MaxPreemptOff(16384, "current");
        long half = MaxPreemptOff(8192, "percpu-2.6");
        long full = MaxPreemptOff(16384, "percpu-2.6");

        // Every page is zapped and freed inside the one preemption-off stretch.
        Assert.True(full >= 16384 * (s_costs.ZapPte + s_costs.FreePage), $"per-CPU stretch {full} is shorter than zapping and freeing 16384 pages");
        Assert.True(full > 20 * current, $"per-CPU stretch {full} is not 20x today's {current}");
        Assert.InRange((double)full / half, 1.9, 2.1);
    }
}
