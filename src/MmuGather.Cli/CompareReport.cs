using MmuGather.Scenarios;

namespace MmuGather.Cli;

/// <summary>
/// A finished comparison: one scenario, one seed, one strategy, a row per back-end in the
/// order asked. Invariant: every row ran the same scenario text with only
/// <c>machine.arch</c> changed.
/// </summary>
/// <param name="Scenario">The scenario's name.</param>
/// <param name="ScenarioFile">The file as given, for the reproduce hint.</param>
/// <param name="Seed">The seed every row ran with.</param>
/// <param name="SeedOrigin">Where the seed came from (--seed, the scenario, the default).</param>
/// <param name="Settings">The scheduling of every row.</param>
/// <param name="Rows">A row per architecture.</param>
public sealed record CompareReport(string Scenario, string ScenarioFile, ulong Seed, string SeedOrigin, RunSettings Settings, IReadOnlyList<CompareRow> Rows)
{
    /// <summary>The table's columns (<see cref="CompareColumns.For"/>).</summary>
    public IReadOnlyList<CompareColumn> Columns => CompareColumns.For([.. Rows.Select(r => r.Result)]);

    /// <summary>Some row had a violation.</summary>
    public bool AnyViolation => Rows.Any(r => r.HasViolations);

    /// <summary>The command that reruns the comparison for one architecture.</summary>
    public string ReproduceCommand(CompareRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        string strategy = Settings.Strategy == MmuGather.Sim.Strategies.Turns ? string.Empty : $" --strategy {Settings.Strategy}";
        string variant = row.Variant is null ? string.Empty : $" --kernel-variant {row.Variant}";
        return $"mmugather compare {ShellWord.Quote(ScenarioFile)} --arch {row.Arch}{variant} --seed {Seed.ToString(System.Globalization.CultureInfo.InvariantCulture)}{strategy}";
    }
}
