using MmuGather.Machine;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Cli;

/// <summary>
/// <c>compare</c>: runs one scenario once per architecture back-end and prints one table with
/// a row per back-end (per back-end and kernel variant with <c>--kernel-variant</c>).
/// Invariant: the rows differ only in <c>machine.arch</c> and the variant's kernel settings;
/// the rest of the scenario, the seed and the strategy are the same for all. Exits 1 when any row had a violation.
/// </summary>
public static class CompareCommand
{
    /// <summary>Runs the comparison <paramref name="invocation"/> asks for (default: every registered back-end, turns).</summary>
    public static int Execute(Invocation invocation, TextWriter stdout, TextWriter? progress = null)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        ArgumentNullException.ThrowIfNull(stdout);
        Scenario scenario = ScenarioParser.ParseFile(invocation.File ?? throw new ArgumentException("compare needs a file", nameof(invocation)));
        RunSettings settings = RunSettingsResolver.For(invocation, scenario, Strategies.Turns);
        IReadOnlyList<string> archs = invocation.Architectures ?? [.. Architectures.Names];
        IReadOnlyList<string?> variants = invocation.KernelVariants is { } v ? [.. v] : [null];
        var rows = new List<CompareRow>(archs.Count * variants.Count);
        int total = archs.Count * variants.Count;
        foreach (string arch in archs)
        {
            foreach (string? variant in variants)
            {
                Scenario kernel = variant is null ? scenario : KernelVariant.Apply(scenario, variant);
                var line = progress is null ? null : new CompareProgress(progress, CompareRow.LabelOf(arch, variant), rows.Count, total);
                rows.Add(new CompareRow(arch, RunOn(kernel, arch, invocation.Seed, settings, line)) { Variant = variant });
            }
        }

        ulong seed = invocation.Seed ?? scenario.Seed ?? ScenarioRunner.DefaultSeed;
        var report = new CompareReport(scenario.Name, scenario.SourcePath, seed, ScenarioCommand.SeedOrigin(scenario, invocation), settings, rows);
        stdout.Write(invocation.Format == OutputFormat.Json ? CompareJsonWriter.Render(report) : CompareTextWriter.Render(report));
        stdout.Flush();
        return report.AnyViolation ? ExitCode.Violation : ExitCode.Clean;
    }

    /// <summary>One row: the scenario with <paramref name="arch"/> as its machine's back-end. A broken invariant names the back-end.</summary>
    private static RunResult RunOn(Scenario scenario, string arch, ulong? seed, RunSettings settings, CompareProgress? progress)
    {
        Scenario onArch = scenario with { Machine = scenario.Machine with { Arch = arch } };
        Simulation sim = ScenarioRunner.Build(onArch, seed, settings);
        sim.Progress = progress is null ? null : progress.Report;
        try
        {
            return sim.Run();
        }
        catch (InvariantException e)
        {
            throw new InvariantException(e.Seed, $"arch {arch}, {e.Step}", e.Relationship);
        }
        finally
        {
            progress?.Clear();
        }
    }
}
