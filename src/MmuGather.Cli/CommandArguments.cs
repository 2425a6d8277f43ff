using System.Globalization;

namespace MmuGather.Cli;

/// <summary>
/// Reads the arguments that follow a command word: options (<c>--format json</c> or
/// <c>--format=json</c>, <c>--seed 7</c>, <c>--help</c>) and, for <c>run</c>, exactly one
/// FILE operand. <c>--</c> ends the options (for a file whose name starts with '-').
/// A <c>--help</c> anywhere before <c>--</c> wins over every other argument.
/// </summary>
public sealed class CommandArguments(CommandSpec spec)
{
    private OutputFormat? _format;
    private ulong? _seed;
    private string? _file;

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

        if (spec.TakesFile && _file is null)
        {
            throw Usage($"'{spec.Name}' needs a scenario FILE");
        }

        return new Invocation(spec.Command, null, _file, _format ?? OutputFormat.Text, _seed);
    }

    private static bool AsksForHelp(IReadOnlyList<string> args) =>
        args.TakeWhile(a => a != "--").Any(a => a is "--help" or "-h");

    private void AddOperand(string arg)
    {
        if (!spec.TakesFile)
        {
            throw Usage($"'{spec.Name}' takes no operands, got '{arg}'");
        }

        if (_file is not null)
        {
            throw Usage($"'{spec.Name}' takes one scenario FILE, got '{_file}' and '{arg}'");
        }

        _file = arg;
    }

    /// <summary>Reads the option at <paramref name="index"/>; returns the index of its last token.</summary>
    private int ReadOption(IReadOnlyList<string> args, int index)
    {
        string arg = args[index];
        int equals = arg.IndexOf('=', StringComparison.Ordinal);
        string name = equals < 0 ? arg : arg[..equals];
        if (!spec.Options.Contains(name))
        {
            throw Usage($"unknown option '{name}' for '{spec.Name}' (options: {string.Join(", ", spec.Options)})");
        }

        string value;
        if (equals >= 0)
        {
            value = arg[(equals + 1)..];
        }
        else if (index + 1 < args.Count)
        {
            value = args[++index];
        }
        else
        {
            throw Usage($"option '{name}' needs a value");
        }

        SetOption(name, value);
        return index;
    }

    private void SetOption(string name, string value)
    {
        switch (name)
        {
            case "--format":
                _format = _format is null ? ParseFormat(value) : throw Usage("option '--format' is given twice");
                break;
            case "--seed":
                _seed = _seed is null ? ParseSeed(value) : throw Usage("option '--seed' is given twice");
                break;
            default:
                throw Usage($"option '{name}' takes no value");
        }
    }

    private OutputFormat ParseFormat(string value) => value switch
    {
        "text" => OutputFormat.Text,
        "json" => OutputFormat.Json,
        _ => throw Usage($"invalid value '{value}' for '--format' (expected text or json)"),
    };

    private ulong ParseSeed(string value)
    {
        bool digitsOnly = value.Length > 0 && value.All(char.IsAsciiDigit);
        if (digitsOnly && ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed))
        {
            return seed;
        }

        throw Usage($"invalid value '{value}' for '--seed' (expected a decimal integer from 0 to {ulong.MaxValue})");
    }

    private UsageException Usage(string message) => new(message, spec.Name);
}
