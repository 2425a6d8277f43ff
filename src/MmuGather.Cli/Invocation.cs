namespace MmuGather.Cli;

/// <summary>
/// A parsed command line: the command and its options. Options a command does not take stay
/// null (or false), so each command applies its own defaults.
/// </summary>
/// <param name="Command">What to do.</param>
/// <param name="HelpTopic">For <see cref="CliCommand.Help"/>: the command to explain, or null for the overview.</param>
/// <param name="File">For <see cref="CliCommand.Run"/>, explore and replay: the scenario file as given.</param>
/// <param name="Format">The report format.</param>
/// <param name="Seed">The <c>--seed</c> value, or null to use the scenario's (or the default).</param>
public sealed record Invocation(CliCommand Command, string? HelpTopic, string? File, OutputFormat Format, ulong? Seed)
{
    /// <summary>The overview help.</summary>
    public static Invocation GeneralHelp { get; } = new(CliCommand.Help, null, null, OutputFormat.Text, null);

    /// <summary><c>--strategy</c>: turns, time, random or pct.</summary>
    public string? Strategy { get; init; }

    /// <summary><c>--depth</c>: PCT's bug depth.</summary>
    public int? PctDepth { get; init; }

    /// <summary><c>--pct-steps</c>: PCT's estimate of the scheduling decisions in one run.</summary>
    public long? PctSteps { get; init; }

    /// <summary><c>--runs</c> (explore).</summary>
    public int? Runs { get; init; }

    /// <summary><c>--jobs</c> (explore).</summary>
    public int? Jobs { get; init; }

    /// <summary><c>--stop-on-first</c> (explore).</summary>
    public bool StopOnFirst { get; init; }

    /// <summary><c>--trace FILE</c> (replay): where to write the Perfetto trace.</summary>
    public string? TracePath { get; init; }

    /// <summary><c>--arch A,B,...</c> (compare): the back-ends to run, in the order given; null for every registered one.</summary>
    public IReadOnlyList<string>? Architectures { get; init; }

    /// <summary><c>--kernel-variant V,...</c> (compare): kernel variants to cross with the back-ends; null for the scenario's own kernel.</summary>
    public IReadOnlyList<string>? KernelVariants { get; init; }

    /// <summary>Help for one command.</summary>
    public static Invocation HelpFor(string topic) => new(CliCommand.Help, topic, null, OutputFormat.Text, null);
}
