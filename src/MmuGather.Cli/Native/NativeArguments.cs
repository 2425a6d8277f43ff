using System.Globalization;

namespace MmuGather.Cli.Native;

/// <summary>
/// The command line shared by <c>native</c> and <c>validate</c>: scenario files, <c>--reps N</c>,
/// <c>--format text|json</c>, <c>--help</c>. (They parse their own arguments, outside
/// <see cref="ArgumentParser"/>, because <c>validate</c> takes several files.)
/// </summary>
internal sealed record NativeArguments(IReadOnlyList<string> Files, int Reps, OutputFormat Format, bool Help)
{
    /// <param name="args">The arguments after the command name.</param>
    /// <param name="command">The command, for messages.</param>
    /// <param name="manyFiles">Whether more than one scenario file is accepted.</param>
    public static NativeArguments Parse(IReadOnlyList<string> args, string command, bool manyFiles)
    {
        ArgumentNullException.ThrowIfNull(args);
        var files = new List<string>();
        int reps = NativeCommand.DefaultReps;
        var format = OutputFormat.Text;
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (a is "--help" or "-h")
            {
                return new NativeArguments(files, reps, format, Help: true);
            }

            if (a is "--reps" or "--format")
            {
                string v = i + 1 < args.Count ? args[++i] : throw new UsageException($"option '{a}' needs a value", command);
                if (a == "--reps")
                {
                    reps = ParseReps(v, command);
                }
                else
                {
                    format = ParseFormat(v, command);
                }
            }
            else if (a.StartsWith('-'))
            {
                throw new UsageException($"unknown option '{a}' for '{command}' (options: --reps, --format, --help)", command);
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

        return files.Count > 0
            ? new NativeArguments(files, reps, format, Help: false)
            : throw new UsageException(manyFiles ? $"'{command}' needs at least one scenario FILE" : $"'{command}' needs a scenario FILE", command);
    }

    private static int ParseReps(string v, string command) =>
        int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= NativeCommand.MaxReps
            ? n
            : throw new UsageException($"--reps must be an integer from 1 to {NativeCommand.MaxReps}, got '{v}'", command);

    private static OutputFormat ParseFormat(string v, string command) => v switch
    {
        "text" => OutputFormat.Text,
        "json" => OutputFormat.Json,
        _ => throw new UsageException($"--format must be text or json, got '{v}'", command),
    };
}
