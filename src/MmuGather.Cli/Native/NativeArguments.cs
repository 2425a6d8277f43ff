using System.Globalization;

namespace MmuGather.Cli.Native;

/// <summary>
/// The command line shared by <c>native</c> and <c>validate</c>: scenario files, <c>--reps N</c>,
/// <c>--format text|json</c>, <c>--help</c>; for <c>validate</c> also the fuzzer's
/// <c>--generate N [--seed S] [--out DIR]</c> (no files then). (They parse their own
/// arguments, outside <see cref="ArgumentParser"/>, because <c>validate</c> takes several files.)
/// </summary>
internal sealed record NativeArguments(IReadOnlyList<string> Files, int Reps, OutputFormat Format, bool Help)
{
    /// <summary>Most sequences one <c>--generate</c> runs.</summary>
    public const int MaxGenerate = 10_000_000;

    /// <summary><c>--generate N</c>: the number of sequences to fuzz, or null for the file mode.</summary>
    public int? Generate { get; init; }

    /// <summary><c>--seed S</c> of <c>--generate</c>.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary><c>--out DIR</c> of <c>--generate</c>: where shrunk mismatches are saved.</summary>
    public string Out { get; init; } = Fuzz.FuzzOptions.DefaultOutDir;

    /// <param name="args">The arguments after the command name.</param>
    /// <param name="command">The command, for messages.</param>
    /// <param name="manyFiles">Whether more than one scenario file is accepted.</param>
    /// <param name="fuzz">Whether <c>--generate</c>, <c>--seed</c> and <c>--out</c> are accepted (validate).</param>
    public static NativeArguments Parse(IReadOnlyList<string> args, string command, bool manyFiles, bool fuzz = false)
    {
        ArgumentNullException.ThrowIfNull(args);
        var files = new List<string>();
        var parsed = new NativeArguments(files, NativeCommand.DefaultReps, OutputFormat.Text, Help: false);
        string[] options = fuzz ? ["--reps", "--format", "--generate", "--seed", "--out"] : ["--reps", "--format"];
        var given = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (a is "--help" or "-h")
            {
                return parsed with { Help = true };
            }

            if (options.Contains(a))
            {
                string v = i + 1 < args.Count ? args[++i] : throw new UsageException($"option '{a}' needs a value", command);
                given.Add(a);
                parsed = WithOption(parsed, a, v, command);
            }
            else if (a.StartsWith('-'))
            {
                throw new UsageException($"unknown option '{a}' for '{command}' (options: {string.Join(", ", options)}, --help)", command);
            }
            else if (manyFiles || files.Count == 0)
            {
                files.Add(a);
            }
            else
            {
                throw new UsageException($"'{command}' takes one scenario FILE, got '{files[0]}' and '{a}'", command);
            }
        }

        return Checked(parsed, given, command, manyFiles);
    }

    private static NativeArguments WithOption(NativeArguments p, string option, string v, string command) => option switch
    {
        "--reps" => p with { Reps = ParseReps(v, command) },
        "--format" => p with { Format = ParseFormat(v, command) },
        "--generate" => p with { Generate = ParseGenerate(v, command) },
        "--seed" => p with { Seed = ParseSeed(v, command) },
        _ => p with { Out = v.Length > 0 ? v : throw new UsageException("--out needs a directory", command) },
    };

    /// <summary>Files xor --generate; --seed and --out only with --generate.</summary>
    private static NativeArguments Checked(NativeArguments p, HashSet<string> given, string command, bool manyFiles)
    {
        if (p.Generate is not null)
        {
            return p.Files.Count == 0
                ? p
                : throw new UsageException($"'{command} --generate' runs generated sequences and takes no FILE, got '{p.Files[0]}'", command);
        }

        if (given.Contains("--seed") || given.Contains("--out"))
        {
            throw new UsageException($"--seed and --out go with --generate N", command);
        }

        return p.Files.Count > 0
            ? p
            : throw new UsageException(manyFiles ? $"'{command}' needs at least one scenario FILE" : $"'{command}' needs a scenario FILE", command);
    }

    private static int ParseReps(string v, string command) =>
        int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= NativeCommand.MaxReps
            ? n
            : throw new UsageException($"--reps must be an integer from 1 to {NativeCommand.MaxReps}, got '{v}'", command);

    private static int ParseGenerate(string v, string command) =>
        int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= MaxGenerate
            ? n
            : throw new UsageException($"--generate must be an integer from 1 to {MaxGenerate}, got '{v}'", command);

    private static ulong ParseSeed(string v, string command) =>
        ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out ulong s)
            ? s
            : throw new UsageException($"--seed must be a non-negative integer, got '{v}'", command);

    private static OutputFormat ParseFormat(string v, string command) => v switch
    {
        "text" => OutputFormat.Text,
        "json" => OutputFormat.Json,
        _ => throw new UsageException($"--format must be text or json, got '{v}'", command),
    };
}
