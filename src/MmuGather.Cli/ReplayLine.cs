using System.Globalization;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Cli;

/// <summary>
/// The command line that reruns one interleaving exactly. A turns run is replayed by
/// <c>run FILE --seed S</c> (turns is <c>run</c>'s default); any other strategy by
/// <c>replay</c> with the strategy and, for PCT, the depth and step estimate that shaped the
/// priority change points (a different estimate gives a different interleaving).
/// </summary>
public static class ReplayLine
{
    /// <summary>The command for <paramref name="file"/> run with <paramref name="seed"/> under <paramref name="settings"/>.</summary>
    public static string For(string file, ulong seed, RunSettings settings)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(settings);
        string quoted = ShellWord.Quote(file);
        string seedText = seed.ToString(CultureInfo.InvariantCulture);
        return settings.Strategy == Strategies.Turns
            ? $"mmugather run {quoted} --seed {seedText}"
            : $"mmugather replay {quoted} --seed {seedText} --strategy {settings.Strategy}{PctOptions(settings)}";
    }

    /// <summary>How the report names the strategy: "random", or "pct --depth 3 --pct-steps 1234".</summary>
    public static string Describe(RunSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Strategy + PctOptions(settings);
    }

    private static string PctOptions(RunSettings settings) =>
        settings.Strategy == Strategies.Pct
            ? string.Create(CultureInfo.InvariantCulture, $" --depth {settings.PctDepth} --pct-steps {settings.PctSteps}")
            : string.Empty;
}
