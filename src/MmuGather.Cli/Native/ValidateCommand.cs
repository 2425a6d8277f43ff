using System.Globalization;
using System.Text;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Cli.Native;

/// <summary>
/// <c>mmugather validate FILE... [--reps N] [--format text|json]</c>: runs each scenario in
/// the model (the <c>turns</c> strategy, the order <c>native</c> hands out steps in) and on
/// this host (<see cref="NativeSession"/>, in-process), and puts them side by side per step.
/// A step agrees when the model's remote flush rounds lie within the native min..max widened
/// by the step's idle noise (the most rounds seen in its idle windows). Exit 0 when every
/// step of every file agrees, 1 on a disagreement, 2 when a file is refused (the refusal line
/// is passed through) or the command line is wrong, 3 when the host failed under a run.
/// </summary>
public static class ValidateCommand
{
    public const string Name = "validate";

    public const string Help = """
        usage: mmugather validate FILE... [--reps N] [--format text|json]

        Runs each scenario FILE in the model (turns strategy) and natively on this host
        (as 'mmugather native' does) and prints them side by side per step: the model's
        remote flush rounds (remote_flush_rounds: x86 flush rounds with another CPU in
        mm_cpumask) against the tlb:tlb_flush "remote IPI send" rounds the kernel counted
        (median [min..max] over N repetitions), the idle noise, the model's shootdown IPIs
        and pages freed, and page faults of the model against the host's minor faults.

        A step agrees when the model's flush rounds lie within the native min..max widened
        by the step's idle noise (the most rounds seen in its idle windows). Only flush
        rounds are judged; faults and pages freed are shown, not compared.

        Exit 0: every step agrees; 1: a step disagrees (listed with file, line and both
        numbers); 2: a file is refused by the native executor (its line is passed through)
        or the command line is wrong; 3: the host failed under a run. See docs/native.md.

        options:
          --reps N            native repetitions of each scenario (default: 5)
          --format text|json  report format (default: text)
          --help, -h          show this help

        """;

    public static int Execute(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr) =>
        Execute(args, stdout, stderr, modelScenario: null);

    /// <summary>
    /// The command, with a seam for tests: <paramref name="modelScenario"/>, when given, picks
    /// the scenario the model runs for a file (the host always runs the file itself), so that
    /// a test can set a real native run against a deliberately different model run and see
    /// the comparison fail.
    /// </summary>
    internal static int Execute(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, Func<Scenario, Scenario>? modelScenario)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var files = new List<string>();
        int reps = NativeCommand.DefaultReps;
        var format = OutputFormat.Text;
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (a is "--help" or "-h")
            {
                stdout.Write(Help);
                return ExitCode.Clean;
            }

            if (a is "--reps" or "--format")
            {
                if (i + 1 >= args.Count)
                {
                    throw new UsageException($"option '{a}' needs a value", Name);
                }

                string v = args[++i];
                if (a == "--reps")
                {
                    reps = int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= NativeCommand.MaxReps
                        ? n
                        : throw new UsageException($"--reps must be an integer from 1 to {NativeCommand.MaxReps}, got '{v}'", Name);
                }
                else
                {
                    format = v switch
                    {
                        "text" => OutputFormat.Text,
                        "json" => OutputFormat.Json,
                        _ => throw new UsageException($"--format must be text or json, got '{v}'", Name),
                    };
                }
            }
            else if (a.StartsWith('-'))
            {
                throw new UsageException($"unknown option '{a}' for 'validate' (options: --reps, --format, --help)", Name);
            }
            else
            {
                files.Add(a);
            }
        }

        if (files.Count == 0)
        {
            throw new UsageException("'validate' needs at least one scenario FILE", Name);
        }

        var results = new List<ValidateFile>();
        int exit = ExitCode.Clean;
        foreach (string file in files)
        {
            Scenario scenario = ScenarioParser.ParseFile(file);
            try
            {
                NativeRefusals.Check(scenario, NativeHost.Current);
            }
            catch (NativeRefusedException refused)
            {
                stderr.Write(refused.OneLine + "\n");
                results.Add(new ValidateFile(scenario, null, refused.OneLine, null));
                exit = Math.Max(exit, ExitCode.BadInput);
                continue;
            }

            Scenario model = modelScenario?.Invoke(scenario) ?? scenario;
            RunResult modelRun = ScenarioRunner.Build(model, null, RunSettings.Default with { Strategy = Strategies.Turns }).Run();

            var runs = new List<List<NativeSample>>();
            try
            {
                for (int r = 0; r < reps; r++)
                {
                    using var session = new NativeSession(scenario, NativeHost.Current);
                    runs.Add(session.Run());
                }
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                stderr.Write($"validate: {scenario.SourcePath}: native run failed: {e.Message}\n");
                results.Add(new ValidateFile(scenario, null, null, $"native run failed: {e.Message}"));
                exit = Math.Max(exit, ExitCode.InternalError);
                continue;
            }

            NativeReport native = NativeReport.From(scenario, NativeHost.Current, runs);
            IReadOnlyList<ValidateRow> rows = Compare(modelRun.Steps, native.Rows);
            results.Add(new ValidateFile(scenario, rows, null, null));
            if (rows.Any(r => !r.Agrees))
            {
                exit = Math.Max(exit, ExitCode.Violation);
            }
        }

        var report = new ValidateReport(NativeHost.Current, reps, results);
        stdout.Write(format == OutputFormat.Json ? report.Json(exit) : report.Text());
        return exit;
    }

    /// <summary>
    /// Pairs the model's steps with the native rows (by thread name and line, in order of
    /// occurrence) and judges each: the model's rounds within native min..max widened by the
    /// step's idle noise (its maximum). A step one side has and the other does not disagrees.
    /// </summary>
    internal static IReadOnlyList<ValidateRow> Compare(IReadOnlyList<StepResult> model, IReadOnlyList<NativeRow> native)
    {
        var rows = new List<ValidateRow>();
        var used = new bool[model.Count];
        foreach (NativeRow n in native)
        {
            int m = -1;
            for (int i = 0; i < model.Count; i++)
            {
                if (!used[i] && model[i].Thread == n.Thread && model[i].Line == n.Line)
                {
                    m = i;
                    break;
                }
            }

            if (m < 0)
            {
                rows.Add(new ValidateRow(n.Thread, n.Cpu, n.Op, n.Line, null, n, false));
                continue;
            }

            used[m] = true;
            StepResult s = model[m];
            long noise = n.NoiseFlushRounds.Max;
            bool agrees = s.RemoteFlushRounds >= n.FlushRounds.Min - noise && s.RemoteFlushRounds <= n.FlushRounds.Max + noise;
            rows.Add(new ValidateRow(n.Thread, n.Cpu, n.Op, n.Line, s, n, agrees));
        }

        for (int i = 0; i < model.Count; i++)
        {
            if (!used[i])
            {
                StepResult s = model[i];
                rows.Add(new ValidateRow(s.Thread, s.Cpu, s.Op, s.Line, s, null, false));
            }
        }

        return rows;
    }
}

/// <summary>One step side by side; <see cref="Model"/> or <see cref="Native"/> is null when only the other side ran it.</summary>
internal sealed record ValidateRow(string Thread, int Cpu, string Op, int Line, StepResult? Model, NativeRow? Native, bool Agrees)
{
    /// <summary>The native range the model's rounds must lie in: min..max widened by the idle noise.</summary>
    public string Allowed => Native is null
        ? "-"
        : string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, Native.FlushRounds.Min - Native.NoiseFlushRounds.Max)}..{Native.FlushRounds.Max + Native.NoiseFlushRounds.Max}");
}

/// <summary>One file: its rows, or the refusal line, or the failure.</summary>
internal sealed record ValidateFile(Scenario Scenario, IReadOnlyList<ValidateRow>? Rows, string? Refusal, string? Failure);

/// <summary>The report of a validate run.</summary>
internal sealed record ValidateReport(NativeHost Host, int Reps, IReadOnlyList<ValidateFile> Files)
{
    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    public IEnumerable<(ValidateFile File, ValidateRow Row)> Disagreements =>
        Files.Where(f => f.Rows is not null).SelectMany(f => f.Rows!.Where(r => !r.Agrees).Select(r => (f, r)));

    public static string Describe(ValidateFile f, ValidateRow r) =>
        $"{f.Scenario.SourcePath}:{r.Line}: {r.Thread} {r.Op}: model {(r.Model is null ? "no such step" : N(r.Model.RemoteFlushRounds) + " flush round(s)")}, native {(r.Native is null ? "no such step" : $"{r.Native.FlushRounds} (idle noise {N(r.Native.NoiseFlushRounds.Max)}, allowed {r.Allowed})")}";

    public string Text()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"validate: model (x86, turns) against this host, {Reps} native repetition(s), Linux {Host.Kernel} x86-64, {Host.Cpus} CPUs\n");
        sb.Append(CultureInfo.InvariantCulture, $"native flush rounds: {Host.FlushSource}\n");
        sb.Append("model flush rounds: remote_flush_rounds (x86 flush rounds with another CPU in mm_cpumask, lazy ones included)\n");
        sb.Append("agrees: the model's rounds lie within native min..max widened by the step's idle noise (max idle rounds); only rounds are judged\n");
        foreach (ValidateFile f in Files)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\n{f.Scenario.Name} ({f.Scenario.SourcePath})\n");
            if (f.Refusal is not null || f.Failure is not null)
            {
                sb.Append("  ").Append(f.Refusal ?? f.Failure).Append('\n');
                continue;
            }

            string[] header = ["thread", "cpu", "op", "line", "model rounds", "native rounds", "idle", "allowed", "agrees", "model shootdowns", "model pages freed", "model faults", "native minor faults", "native outcome"];
            var table = new List<string[]> { header };
            foreach (ValidateRow r in f.Rows!)
            {
                table.Add(
                [
                    r.Thread, N(r.Cpu), r.Op, N(r.Line),
                    r.Model is null ? "-" : N(r.Model.RemoteFlushRounds),
                    r.Native is null ? "-" : r.Native.FlushRounds.ToString(),
                    r.Native is null ? "-" : N(r.Native.NoiseFlushRounds.Max),
                    r.Allowed,
                    r.Agrees ? "yes" : "NO",
                    r.Model is null ? "-" : N(r.Model.TlbShootdownIpis),
                    r.Model is null ? "-" : N(r.Model.PagesFreed),
                    r.Model is null ? "-" : N(r.Model.PageFaults),
                    r.Native is null ? "-" : r.Native.MinorFaults.ToString(),
                    r.Native?.Outcome ?? "-",
                ]);
            }

            int[] widths = Enumerable.Range(0, header.Length).Select(c => table.Max(row => row[c].Length)).ToArray();
            foreach (string[] row in table)
            {
                sb.Append("  ").Append(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd()).Append('\n');
            }
        }

        var bad = Disagreements.ToList();
        sb.Append('\n');
        if (bad.Count == 0)
        {
            int refused = Files.Count(f => f.Rows is null);
            sb.Append(refused == 0 ? "every step agrees\n" : $"every step run agrees; {refused} file(s) not run\n");
        }
        else
        {
            sb.Append(CultureInfo.InvariantCulture, $"disagreements: {bad.Count}\n");
            foreach ((ValidateFile f, ValidateRow r) in bad)
            {
                sb.Append("  ").Append(Describe(f, r)).Append('\n');
            }
        }

        return sb.ToString();
    }

    public string Json(int exit) => JsonText.Render(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("reps", Reps);
        w.WriteStartObject("host");
        w.WriteString("kernel", Host.Kernel);
        w.WriteString("arch", "x86-64");
        w.WriteNumber("cpus", Host.Cpus);
        w.WriteEndObject();
        w.WriteStartArray("files");
        foreach (ValidateFile f in Files)
        {
            w.WriteStartObject();
            w.WriteString("scenario", f.Scenario.Name);
            w.WriteString("file", f.Scenario.SourcePath);
            if (f.Refusal is not null)
            {
                w.WriteString("refused", f.Refusal);
            }

            if (f.Failure is not null)
            {
                w.WriteString("failed", f.Failure);
            }

            w.WriteStartArray("steps");
            foreach (ValidateRow r in f.Rows ?? [])
            {
                w.WriteStartObject();
                w.WriteString("thread", r.Thread);
                w.WriteNumber("cpu", r.Cpu);
                w.WriteString("op", r.Op);
                w.WriteNumber("line", r.Line);
                w.WriteBoolean("agrees", r.Agrees);
                if (r.Model is { } m)
                {
                    w.WriteStartObject("model");
                    w.WriteNumber("remote_flush_rounds", m.RemoteFlushRounds);
                    w.WriteNumber("tlb_shootdown_ipis", m.TlbShootdownIpis);
                    w.WriteNumber("pages_freed", m.PagesFreed);
                    w.WriteNumber("page_faults", m.PageFaults);
                    w.WriteEndObject();
                }
                else
                {
                    w.WriteNull("model");
                }

                if (r.Native is { } n)
                {
                    w.WriteStartObject("native");
                    n.FlushRounds.Write(w, "flush_rounds");
                    n.NoiseFlushRounds.Write(w, "idle_flush_rounds");
                    n.MinorFaults.Write(w, "minor_faults");
                    w.WriteString("outcome", n.Outcome);
                    w.WriteEndObject();
                }
                else
                {
                    w.WriteNull("native");
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("disagreements");
        foreach ((ValidateFile f, ValidateRow r) in Disagreements)
        {
            w.WriteStringValue(Describe(f, r));
        }

        w.WriteEndArray();
        w.WriteNumber("exit", exit);
        w.WriteEndObject();
    });
}
