using MmuGather.Sim;

namespace MmuGather.Cli;

/// <summary>
/// The shape of a command that runs a scenario: its name, whether it needs a FILE, the
/// options it accepts and the scheduling strategies it offers. The parser checks every
/// argument against it, so each command rejects what it cannot use.
/// </summary>
/// <param name="Name">The command word (<c>demo</c>, <c>run</c>, <c>explore</c>, <c>replay</c>).</param>
/// <param name="Command">The command it stands for.</param>
/// <param name="TakesFile">Whether it needs a scenario FILE operand.</param>
/// <param name="Options">The options it accepts, as written on the command line.</param>
/// <param name="StrategyNames">The values <c>--strategy</c> accepts (empty when it takes no <c>--strategy</c>).</param>
public sealed record CommandSpec(string Name, CliCommand Command, bool TakesFile, IReadOnlyList<string> Options, IReadOnlyList<string> StrategyNames)
{
    /// <summary>Options that take no value.</summary>
    public static IReadOnlyList<string> Flags { get; } = ["--stop-on-first", "--help"];

    /// <summary><c>mmugather demo [--format text|json]</c>.</summary>
    public static CommandSpec Demo { get; } = new("demo", CliCommand.Demo, TakesFile: false, ["--format", "--help"], []);

    /// <summary><c>mmugather run FILE [--format text|json] [--seed N] [--strategy S] [--depth D] [--pct-steps K]</c>.</summary>
    public static CommandSpec Run { get; } = new(
        "run",
        CliCommand.Run,
        TakesFile: true,
        ["--format", "--seed", "--strategy", "--depth", "--pct-steps", "--help"],
        Strategies.Names);

    /// <summary><c>mmugather explore FILE [--runs N] [--seed S] [--strategy random|pct] [--jobs J] ...</c>.</summary>
    public static CommandSpec Explore { get; } = new(
        "explore",
        CliCommand.Explore,
        TakesFile: true,
        ["--runs", "--seed", "--strategy", "--jobs", "--depth", "--pct-steps", "--stop-on-first", "--format", "--help"],
        [Strategies.Random, Strategies.Pct]);

    /// <summary><c>mmugather replay FILE --seed S [--strategy S] [--depth D] [--pct-steps K] [--trace OUT] [--format text|json]</c>.</summary>
    public static CommandSpec Replay { get; } = new(
        "replay",
        CliCommand.Replay,
        TakesFile: true,
        ["--seed", "--strategy", "--depth", "--pct-steps", "--trace", "--format", "--help"],
        [Strategies.Random, Strategies.Pct, Strategies.Turns, Strategies.Time]);

    /// <summary><c>mmugather compare FILE [--arch A,B,...] [--kernel-variant V,...] [--strategy turns|time] [--seed S] [--format text|json]</c>.</summary>
    public static CommandSpec Compare { get; } = new(
        "compare",
        CliCommand.Compare,
        TakesFile: true,
        ["--arch", "--kernel-variant", "--strategy", "--seed", "--format", "--help"],
        [Strategies.Turns, Strategies.Time]);

    /// <summary>Every command that runs a scenario, for lookup by name.</summary>
    public static IReadOnlyList<CommandSpec> All { get; } = [Demo, Run, Explore, Replay, Compare];

    /// <summary>The strategy used when <c>--strategy</c> is not given: the first one listed.</summary>
    public string DefaultStrategy => StrategyNames.Count > 0 ? StrategyNames[0] : Strategies.Turns;
}
