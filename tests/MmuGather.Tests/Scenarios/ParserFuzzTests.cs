using System.Diagnostics;
using System.Globalization;
using MmuGather.Scenarios;
using MmuGather.Tests.Cli;
using Xunit.Abstractions;

namespace MmuGather.Tests.Scenarios;

/// <summary>
/// Parser fuzzing: deterministic mutants of every shipped scenario go through the CLI entry point
/// in-process (parse, and a run when the mutant is still valid). Each must finish in under a
/// second with exit 0, 1 or 2 and no stack trace; exit 3 or a crash is a parser or validator bug.
/// <c>MMUGATHER_FUZZ_MUTANTS=N</c> sets the number of mutants (default <see cref="DefaultMutants"/>).
/// </summary>
public sealed class ParserFuzzTests : IDisposable
{
    /// <summary>Mutants in the normal suite: about 20 s on one core.</summary>
    public const int DefaultMutants = 4_000;

    /// <summary>
    /// A valid mutant runs only if it stays within these limits: the default ones bound a run to
    /// seconds, not to the second a fuzz case may take. 16,384 page accesses (64 MiB) still run
    /// the 64 MiB scenarios; 16 threads and 1,024 steps keep the scheduler fast. A mutant over
    /// them (of a 1 GiB scenario, or with a line duplicated a thousand times) is still parsed
    /// under the default limits, and that parse is what is timed.
    /// </summary>
    private static readonly ScenarioLimits s_runLimits = ScenarioLimits.Default with { PageAccesses = 16_384, Threads = 16, Steps = 1_024 };

    private const int MaxMilliseconds = 1_000;
    private const string MutantsVariable = "MMUGATHER_FUZZ_MUTANTS";

    private readonly string _dir = Directory.CreateTempSubdirectory("mmugather-fuzz-").FullName;
    private readonly ITestOutputHelper _output;

    public ParserFuzzTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void MutantsOfEveryShippedScenarioExitCleanlyAndFast()
    {
        string[] files = ShippedScenarios();
        byte[][] originals = [.. files.Select(File.ReadAllBytes)];
        int mutants = MutantCount();
        var figures = new FuzzFigures();
        var failures = new List<string>();
        string path = Path.Combine(_dir, "mutant.yaml");
        WarmUp(files);
        for (int i = 0; i < mutants; i++)
        {
            var mutator = new ScenarioMutator(seed: i);
            File.WriteAllBytes(path, mutator.Mutate(originals[i % files.Length]));
            string what = $"mutant {i} of {Path.GetFileName(files[i % files.Length])} ({string.Join(", ", mutator.Applied)})";
            if (RunOne(path, what, figures) is { } failure)
            {
                failures.Add(failure);
                File.Copy(path, Path.Combine(Path.GetTempPath(), $"mmugather-fuzz-failure-{i}.yaml"), overwrite: true);
            }
        }

        _output.WriteLine(figures.Summary(mutants));
        Assert.True(failures.Count == 0, $"{failures.Count} failing mutants:\n{string.Join('\n', failures.Take(20))}");
    }

    /// <summary>
    /// Parses every shipped scenario a few times first: the first mutants would otherwise be timed
    /// in unoptimized (tier-0) code and measure the JIT, not the parser.
    /// </summary>
    private static void WarmUp(string[] files)
    {
        for (int round = 0; round < 5; round++)
        {
            foreach (string file in files)
            {
                _ = ScenarioParser.ParseFile(file);
            }
        }
    }

    /// <summary>
    /// Runs one mutant; returns why it failed, or null. A mutant over the time limit is timed once
    /// more: the machine is shared, and a real hang is slow both times.
    /// </summary>
    private static string? RunOne(string path, string what, FuzzFigures figures)
    {
        (int exit, TimeSpan elapsed, string? failure) = RunTimed(path);
        if (failure is null && elapsed.TotalMilliseconds >= MaxMilliseconds)
        {
            (exit, elapsed, failure) = RunTimed(path);
        }

        figures.Record(exit, elapsed, what);
        return failure is not null ? $"{what}: {failure}"
            : elapsed.TotalMilliseconds >= MaxMilliseconds ? $"{what}: took {elapsed.TotalMilliseconds:F0} ms (twice over {MaxMilliseconds} ms)"
            : null;
    }

    /// <summary>
    /// Exit code (-1: parsed only), time taken, and what is wrong beyond the time. Only the CLI
    /// run (or, for a mutant over the run limits, the parse) is timed, not the checks choosing it.
    /// </summary>
    private static (int Exit, TimeSpan Elapsed, string? Failure) RunTimed(string path)
    {
        Stopwatch clock;
        if (OverRunLimits(path))
        {
            clock = Stopwatch.StartNew();
            _ = ScenarioParser.ParseFile(path);
            return (-1, clock.Elapsed, null);
        }

        clock = Stopwatch.StartNew();
        CliRun run = CliHarness.Run("run", path);
        TimeSpan elapsed = clock.Elapsed;
        string output = run.Stdout + run.Stderr;
        bool bad = run.ExitCode is not (0 or 1 or 2) || output.Contains(CliHarness.StackFrameMarker, StringComparison.Ordinal);
        if (!bad && run.ExitCode == 1 && !AsksForABug(path))
        {
            // A correct kernel never breaks the rule: exit 1 without a bug switch is a false alarm.
            return (run.ExitCode, elapsed, $"exit 1 with no bug switch on (a false alarm): {FirstViolation(run.Stdout)}");
        }

        return (run.ExitCode, elapsed, bad ? $"exit {run.ExitCode}: {First(run.Stderr)}" : null);
    }

    /// <summary>True when the mutant (which ran, so it parses) switches a kernel bug on.</summary>
    private static bool AsksForABug(string path) => ScenarioParser.ParseFile(path).Kernel.Bugs.Count > 0;

    /// <summary>True when the mutant is valid under the default limits but over those a fuzz run may take.</summary>
    private static bool OverRunLimits(string path)
    {
        try
        {
            _ = ScenarioParser.ParseFile(path, s_runLimits);
            return false;
        }
        catch (ScenarioException)
        {
            return IsValid(path);
        }
    }

    private static bool IsValid(string path)
    {
        try
        {
            _ = ScenarioParser.ParseFile(path);
            return true;
        }
        catch (ScenarioException)
        {
            return false; // bad under the default limits too: the CLI run reports it (exit 2)
        }
    }

    private static string First(string text) => text.Split('\n')[0];

    private static string FirstViolation(string report) =>
        report.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith('[')) ?? First(report);

    private static int MutantCount() =>
        Environment.GetEnvironmentVariable(MutantsVariable) is { Length: > 0 } text
            ? int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture)
            : DefaultMutants;

    private static string[] ShippedScenarios() =>
        [.. Directory.EnumerateFiles(RepositoryRoot.Combine("scenarios"), "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
}
