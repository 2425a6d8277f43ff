namespace MmuGather.Cli;

/// <summary>
/// Turns the argument vector into an <see cref="Invocation"/>. The first word picks the
/// command (<c>demo</c>, <c>run</c>, <c>help</c>) or is a global flag (<c>--help</c>,
/// <c>--version</c>); everything after it belongs to that command
/// (see <see cref="CommandArguments"/>). Every mistake throws a <see cref="UsageException"/>.
/// </summary>
public static class ArgumentParser
{
    /// <summary>Parses <paramref name="args"/> (without the program name).</summary>
    public static Invocation Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0)
        {
            throw new UsageException("no command given");
        }

        string first = args[0];
        IReadOnlyList<string> rest = args.Skip(1).ToArray();
        return first switch
        {
            "--help" or "-h" => NoMoreArguments(rest, first, Invocation.GeneralHelp),
            "--version" => NoMoreArguments(rest, first, new Invocation(CliCommand.Version, null, null, OutputFormat.Text, null)),
            "help" => ParseHelp(rest),
            _ when FindCommand(first) is { } spec => new CommandArguments(spec).Parse(rest),
            _ when first.StartsWith('-') => throw new UsageException($"unknown option '{first}'"),
            _ => throw new UsageException($"unknown command '{first}' (commands: {CommandNames()})"),
        };
    }

    private static Invocation ParseHelp(IReadOnlyList<string> rest)
    {
        if (rest.Count == 0)
        {
            return Invocation.GeneralHelp;
        }

        if (rest.Count > 1)
        {
            throw new UsageException($"'help' takes at most one command, got {rest.Count} arguments");
        }

        return FindCommand(rest[0]) is { } spec
            ? Invocation.HelpFor(spec.Name)
            : throw new UsageException($"no help for '{rest[0]}': unknown command (commands: {CommandNames()})");
    }

    private static Invocation NoMoreArguments(IReadOnlyList<string> rest, string flag, Invocation invocation) =>
        rest.Count == 0 ? invocation : throw new UsageException($"'{flag}' takes no arguments, got '{rest[0]}'");

    private static CommandSpec? FindCommand(string name) =>
        CommandSpec.All.FirstOrDefault(c => c.Name == name);

    private static string CommandNames() => string.Join(", ", CommandSpec.All.Select(c => c.Name).Append("help"));
}
