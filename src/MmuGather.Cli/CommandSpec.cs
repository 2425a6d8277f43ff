namespace MmuGather.Cli;

/// <summary>The shape of a command that runs a scenario: its name and what it accepts.</summary>
/// <param name="Name">The command word (<c>demo</c>, <c>run</c>).</param>
/// <param name="Command">The command it stands for.</param>
/// <param name="TakesFile">Whether it needs a scenario FILE operand.</param>
/// <param name="TakesSeed">Whether it accepts <c>--seed N</c>.</param>
public sealed record CommandSpec(string Name, CliCommand Command, bool TakesFile, bool TakesSeed)
{
    /// <summary><c>mmugather demo [--format text|json]</c>.</summary>
    public static CommandSpec Demo { get; } = new("demo", CliCommand.Demo, TakesFile: false, TakesSeed: false);

    /// <summary><c>mmugather run FILE [--format text|json] [--seed N]</c>.</summary>
    public static CommandSpec Run { get; } = new("run", CliCommand.Run, TakesFile: true, TakesSeed: true);

    /// <summary>Every command that runs a scenario, for lookup by name.</summary>
    public static IReadOnlyList<CommandSpec> All { get; } = [Demo, Run];

    /// <summary>The options this command accepts, as written on the command line.</summary>
    public IReadOnlyList<string> Options => TakesSeed ? ["--format", "--seed", "--help"] : ["--format", "--help"];
}
