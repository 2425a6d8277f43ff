using MmuGather.Mm;
using MmuGather.Scenarios;

namespace MmuGather.Cli;

/// <summary>
/// A kernel variant <c>compare --kernel-variant</c> can put side by side: the scenario's
/// <c>kernel</c> section with one setting replaced. <c>linux</c> is what Linux 6.18 does
/// (flush_api linux, today's gather); <c>gather</c> routes mremap and fork through an
/// mmu_gather as the 2007 series proposed (flush_api gather); <c>percpu-2.6</c> runs the
/// per-CPU gather the 2011 rework replaced. Bug switches the scenario names stay on.
/// </summary>
public static class KernelVariant
{
    /// <summary>The variant names, in the order help and errors list them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["linux", "gather", "percpu-2.6"];

    /// <summary>The scenario with <paramref name="variant"/>'s kernel settings.</summary>
    public static Scenario Apply(Scenario scenario, string variant)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        KernelSpec k = scenario.Kernel;
        KernelSpec changed = variant switch
        {
            "linux" => k with { FlushApi = FlushApi.Linux, Gather = GatherMode.Current },
            "gather" => k with { FlushApi = FlushApi.Gather, Gather = GatherMode.Current },
            "percpu-2.6" => k with { FlushApi = FlushApi.Linux, Gather = GatherMode.PerCpu26 },
            _ => throw new ArgumentException($"unknown kernel variant '{variant}'", nameof(variant)),
        };
        return scenario with { Kernel = changed };
    }
}
