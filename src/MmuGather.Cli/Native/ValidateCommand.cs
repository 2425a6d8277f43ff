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
/// <c>--generate N</c> is the differential fuzzer instead (<see cref="Fuzz.FuzzCommand"/>).
/// </summary>
public static class ValidateCommand
{
    public const string Name = "validate";

    public const string Help = """
        usage: mmugather validate FILE... [--reps N] [--format text|json]
               mmugather validate --generate N [--seed S] [--out DIR] [--format text|json]

        Runs each scenario FILE in the model (turns strategy) and natively on this host
        (as 'mmugather native' does) and prints them side by side per step: the model's
        remote flush rounds (remote_flush_rounds: x86 flush rounds with another CPU in
        mm_cpumask) against the tlb:tlb_flush "remote IPI send" rounds the kernel counted
        (median [min..max] over N repetitions), the idle noise, the model's shootdown IPIs
        and pages freed, and page faults of the model against the host's minor faults.

        A step agrees when the model's flush rounds lie within the native min..max widened
        by the step's idle noise (the most rounds seen in its idle windows). A process exit
        is judged against the model run again with the worker runtime's own resident pages
        as the process's footprint (the kernel tears them down with the scenario's). Only
        flush rounds are judged; faults and pages freed/released are shown, not compared.

        Exit 0: every step agrees; 1: a step disagrees (listed with file, line and both
        numbers); 2: a file is refused by the native executor (its line is passed through)
        or the command line is wrong; 3: the host failed under a run. See docs/native.md.

        --generate N is the differential fuzzer: it generates N random operation sequences
        (x86, 2 CPUs; one thread mmaps anon, file-shared and file-private regions of 1 to
        2048 pages, munmaps, madvises (dontneed) and touches whole regions or partial
        ranges; about half the sequences have a second thread spinning on CPU 1), runs each
        in the model (turns) and on this host, and compares after every step, each counted
        on its own: flush rounds (shootdowns); the outcome of every touch (ok or segv); the
        vma layout relative to the first mapping (bounds, permissions, file or anonymous,
        from /proc/PID/maps); which pages are resident (mincore) against the model's present
        PTEs and page cache. A rounds difference is re-run natively twice and counts only if
        the model lies outside the native min..max. A mismatch is shrunk (steps dropped,
        lengths and offsets shrunk, the spinner dropped) while it still mismatches in the
        same category and saved under DIR with a header: seed, category, both sides' values.
        Sequence i is drawn from seed S and i alone: the same S gives the same sequences.
        Exit 0: no mismatch left; 1: mismatches; 2: the host is refused or the command line
        is wrong; 3: a run failed (the sequence is saved under DIR).

        options:
          --reps N            native repetitions of each scenario (default: 5)
          --format text|json  report format (default: text)
          --generate N        fuzz N generated sequences instead of running FILEs
          --seed S            base seed of --generate (default: 1)
          --out DIR           where --generate saves shrunk mismatches (default: fuzz-mismatches)
          --help, -h          show this help

        """;

    public static int Execute(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr) =>
        Execute(args, stdout, stderr, modelScenario: null);

    /// <summary>
    /// The command, with the fuzzer's seams for tests: <paramref name="nativeRunner"/> makes the
    /// host's side of <c>--generate</c> (a fake one in tests) and <paramref name="host"/> is the
    /// host it is judged against. Without <c>--generate</c> this is the file mode.
    /// </summary>
    internal static int Execute(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, Func<Fuzz.ISequenceRunner> nativeRunner, NativeHost host)
    {
        ArgumentNullException.ThrowIfNull(args);
        NativeArguments parsed = NativeArguments.Parse(args, Name, manyFiles: true, fuzz: true);
        if (parsed is { Help: false, Generate: { } n })
        {
            var options = new Fuzz.FuzzOptions(n, parsed.Seed, parsed.Out);
            return Fuzz.FuzzCommand.Execute(options, parsed.Format, stdout, stderr, nativeRunner, host);
        }

        return Execute(args, stdout, stderr, modelScenario: null);
    }

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
        NativeArguments parsed = NativeArguments.Parse(args, Name, manyFiles: true, fuzz: true);
        if (parsed.Help)
        {
            stdout.Write(Help);
            return ExitCode.Clean;
        }

        if (parsed.Generate is { } n)
        {
            var options = new Fuzz.FuzzOptions(n, parsed.Seed, parsed.Out);
            return Fuzz.FuzzCommand.Execute(options, parsed.Format, stdout, stderr, Fuzz.NativeSequenceRunnerFactory.Create, NativeHost.Current);
        }

        IReadOnlyList<string> files = parsed.Files;
        int reps = parsed.Reps;
        OutputFormat format = parsed.Format;
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

            List<List<NativeSample>> runs;
            try
            {
                runs = NativeSession.RunRepeated(scenario, NativeHost.Current, reps);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                stderr.Write($"validate: {scenario.SourcePath}: native run failed: {e.Message}\n");
                results.Add(new ValidateFile(scenario, null, null, $"native run failed: {e.Message}"));
                exit = Math.Max(exit, ExitCode.InternalError);
                continue;
            }

            NativeReport native = NativeReport.From(scenario, NativeHost.Current, runs);
            IReadOnlyList<ValidateRow> rows = Compare(modelRun.Steps, native.Rows, TeardownExpectation.For(model, runs));
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
    internal static IReadOnlyList<ValidateRow> Compare(IReadOnlyList<StepResult> model, IReadOnlyList<NativeRow> native, IReadOnlyDictionary<(string Thread, int Line), (long Min, long Max)>? teardown = null)
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
            (long Min, long Max)? expected = teardown is not null && teardown.TryGetValue((s.Thread, s.Line), out var t) ? t : null;
            (long lo, long hi) = expected ?? (s.RemoteFlushRounds, s.RemoteFlushRounds);

            // Agrees when the model's value (or, for a teardown, one of them) is in the allowed range.
            bool agrees = hi >= n.FlushRounds.Min - noise && lo <= n.FlushRounds.Max + noise;
            rows.Add(new ValidateRow(n.Thread, n.Cpu, n.Op, n.Line, s, n, agrees) { ModelTeardown = expected });
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
