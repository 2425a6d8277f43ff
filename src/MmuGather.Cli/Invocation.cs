namespace MmuGather.Cli;

/// <summary>A parsed command line: the command and its options.</summary>
/// <param name="Command">What to do.</param>
/// <param name="HelpTopic">For <see cref="CliCommand.Help"/>: the command to explain, or null for the overview.</param>
/// <param name="File">For <see cref="CliCommand.Run"/>: the scenario file as given.</param>
/// <param name="Format">The report format.</param>
/// <param name="Seed">The <c>--seed</c> value, or null to use the scenario's (or the default).</param>
public sealed record Invocation(CliCommand Command, string? HelpTopic, string? File, OutputFormat Format, ulong? Seed)
{
    /// <summary>The overview help.</summary>
    public static Invocation GeneralHelp { get; } = new(CliCommand.Help, null, null, OutputFormat.Text, null);

    /// <summary>Help for one command.</summary>
    public static Invocation HelpFor(string topic) => new(CliCommand.Help, topic, null, OutputFormat.Text, null);
}
