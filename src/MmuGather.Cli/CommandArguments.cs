using MmuGather.Explore;
using MmuGather.Sim;

namespace MmuGather.Cli;

/// <summary>
/// Reads the arguments that follow a command word: options (<c>--format json</c> or
/// <c>--format=json</c>, <c>--seed 7</c>, flags such as <c>--stop-on-first</c>, <c>--help</c>)
/// and, for the commands that take one, exactly one FILE operand. <c>--</c> ends the options
/// (for a file whose name starts with '-'). A <c>--help</c> anywhere before <c>--</c> wins over
/// every other argument. Each option may be given once; values are checked here, so a bad
/// command line never starts a run.
/// </summary>
public sealed class CommandArguments(CommandSpec spec)
{
    /// <summary>The largest PCT depth accepted (the number of priority change points plus one).</summary>
    public const int MaxDepth = 100;

    /// <summary>The largest <c>--jobs</c>: host threads running interleavings side by side.</summary>
    public const int MaxJobs = 256;

    private readonly OptionValues _values = new(spec.Name);
    private readonly HashSet<string> _given = new(StringComparer.Ordinal);
    private Invocation _invocation = new(spec.Command, null, null, OutputFormat.Text, null);

    /// <summary>Parses <paramref name="args"/> for this command.</summary>
    public Invocation Parse(IReadOnlyList<string> args)
    {
        if (AsksForHelp(args))
        {
            return Invocation.HelpFor(spec.Name);
        }

        bool optionsEnded = false;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (optionsEnded || !arg.StartsWith('-') || arg == "-")
            {
                AddOperand(arg);
            }
            else if (arg == "--")
            {
                optionsEnded = true;
            }
            else
            {
                i = ReadOption(args, i);
            }
        }

        CheckComplete();
        return _invocation;
    }

    private static bool AsksForHelp(IReadOnlyList<string> args) =>
        args.TakeWhile(a => a != "--").Any(a => a is "--help" or "-h");

    private void AddOperand(string arg)
    {
        if (!spec.TakesFile)
        {
            throw _values.Usage($"'{spec.Name}' takes no operands, got '{arg}'");
        }

        if (_invocation.File is { } first)
        {
            throw _values.Usage($"'{spec.Name}' takes one scenario FILE, got '{first}' and '{arg}'");
        }

        _invocation = _invocation with { File = arg };
    }

    /// <summary>Reads the option at <paramref name="index"/>; returns the index of its last token.</summary>
    private int ReadOption(IReadOnlyList<string> args, int index)
    {
        string arg = args[index];
        int equals = arg.IndexOf('=', StringComparison.Ordinal);
        string name = equals < 0 ? arg : arg[..equals];
        if (!spec.Options.Contains(name))
        {
            throw _values.Usage($"unknown option '{name}' for '{spec.Name}' (options: {string.Join(", ", spec.Options)})");
        }

        if (!_given.Add(name))
        {
            throw _values.Usage($"option '{name}' is given twice");
        }

        if (CommandSpec.Flags.Contains(name))
        {
            SetFlag(name, equals >= 0);
            return index;
        }

        if (equals >= 0)
        {
            SetOption(name, arg[(equals + 1)..]);
            return index;
        }

        if (index + 1 >= args.Count)
        {
            throw _values.Usage($"option '{name}' needs a value");
        }

        SetOption(name, args[index + 1]);
        return index + 1;
    }

    private void SetFlag(string name, bool hasValue)
    {
        if (hasValue)
        {
            throw _values.Usage($"option '{name}' takes no value");
        }

        _invocation = _invocation with { StopOnFirst = true };
    }

    private void SetOption(string name, string value)
    {
        _invocation = name switch
        {
            "--format" => _invocation with { Format = _values.Format(value) },
            "--seed" => _invocation with { Seed = _values.Seed(value) },
            "--strategy" => _invocation with { Strategy = _values.Strategy(value, spec.StrategyNames) },
            "--runs" => _invocation with { Runs = (int)_values.Integer(name, value, 1, ExploreOptions.MaxRuns) },
            "--jobs" => _invocation with { Jobs = (int)_values.Integer(name, value, 1, MaxJobs) },
            "--depth" => _invocation with { PctDepth = (int)_values.Integer(name, value, 1, MaxDepth) },
            "--pct-steps" => _invocation with { PctSteps = _values.Integer(name, value, 1, SimulationOptions.DefaultMaxPoints) },
            "--trace" => _invocation with { TracePath = value.Length > 0 ? value : throw _values.Usage("option '--trace' needs a file name") },
            "--arch" => _invocation with { Architectures = _values.Architectures(value, MmuGather.Sim.Architectures.Names) },
            "--kernel-variant" => _invocation with { KernelVariants = _values.KernelVariants(value) },
            _ => throw _values.Usage($"option '{name}' takes no value"),
        };
    }

    /// <summary>What only the whole command line can tell: a missing FILE or seed, PCT options without PCT.</summary>
    private void CheckComplete()
    {
        if (spec.TakesFile && _invocation.File is null)
        {
            throw _values.Usage($"'{spec.Name}' needs a scenario FILE");
        }

        if (spec.Command == CliCommand.Replay && _invocation.Seed is null)
        {
            throw _values.Usage("'replay' needs '--seed S', the seed of the run to replay");
        }

        string strategy = _invocation.Strategy ?? spec.DefaultStrategy;
        foreach (string pctOption in new[] { "--depth", "--pct-steps" }.Where(_given.Contains))
        {
            if (strategy != Strategies.Pct)
            {
                throw _values.Usage($"option '{pctOption}' needs '--strategy pct' (the strategy is {strategy})");
            }
        }
    }
}
