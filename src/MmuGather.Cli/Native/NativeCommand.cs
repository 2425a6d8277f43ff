using System.Globalization;
using System.Text.Json;
using MmuGather.Scenarios;

namespace MmuGather.Cli.Native;

/// <summary>
/// <c>mmugather native FILE [--reps N] [--format text|json]</c>: runs the scenario as real
/// system calls on this host, <c>--reps</c> times, and reports per step the remote flush
/// rounds, minor faults and wall time (median and min..max) beside the same counters over
/// an idle window as long as the step. Exit 0 when every repetition ran, 2 on a refusal
/// or a bad command line, 3 when the host failed under it.
/// </summary>
public static class NativeCommand
{
    public const string Name = "native";
    public const int DefaultReps = 5;
    public const int MaxReps = 1000;

    public const string Help = """
        usage: mmugather native FILE [--reps N] [--format text|json]

        Runs the scenario in FILE on this Linux host as real system calls: one worker
        process per scenario process, one OS thread per scenario thread pinned to its cpu,
        steps handed out in the order of the 'turns' strategy, one at a time. Per step it
        reports remote TLB flush rounds (the tlb:tlb_flush tracepoint, reason "remote IPI
        send", counted with perf_event_open on every thread of the workers), minor faults
        and wall time: the median and min..max over N repetitions, and the same counters
        over an idle window as long as the step (the background noise).

        Refused (exit 2, one line with the reason and the scenario line): a host that is
        not x86-64 Linux or cannot count flushes (tracefs, perf_event_open), a non-x86
        arch, more cpus than the host has, bug switches, fail_alloc, gather percpu-2.6,
        'cpus:' thread masks, gup_fast steps. See docs/native.md.

        options:
          --reps N            repetitions of the whole scenario (default: 5)
          --format text|json  report format (default: text)
          --help, -h          show this help

        """;

    public static int Execute(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        string? file = null;
        int reps = DefaultReps;
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
                    reps = int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= MaxReps
                        ? n
                        : throw new UsageException($"--reps must be an integer from 1 to {MaxReps}, got '{v}'", Name);
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
                throw new UsageException($"unknown option '{a}' for 'native' (options: --reps, --format, --help)", Name);
            }
            else if (file is null)
            {
                file = a;
            }
            else
            {
                throw new UsageException($"'native' takes one scenario FILE, got '{file}' and '{a}'", Name);
            }
        }

        if (file is null)
        {
            throw new UsageException("'native' needs a scenario FILE", Name);
        }

        Scenario scenario = ScenarioParser.ParseFile(file);
        try
        {
            NativeRefusals.Check(scenario, NativeHost.Current);
        }
        catch (NativeRefusedException refused)
        {
            stderr.Write(refused.OneLine + "\n");
            return ExitCode.BadInput;
        }

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
            // A worker died, timed out or answered nonsense: its session killed what was left.
            stderr.Write($"native: failed: {e.Message}\n");
            return ExitCode.InternalError;
        }

        var report = NativeReport.From(scenario, NativeHost.Current, runs);
        stdout.Write(format == OutputFormat.Json ? report.Json() : report.Text());
        return ExitCode.Clean;
    }
}

/// <summary>A median with its range, over the repetitions.</summary>
internal readonly record struct Spread(long Median, long Min, long Max, IReadOnlyList<long> Runs)
{
    /// <summary>The median (for an even count, the mean of the two middle values rounded down), min and max of <paramref name="values"/>, which are kept in run order too.</summary>
    public static Spread Of(IEnumerable<long> values)
    {
        long[] runs = values.ToArray();
        long[] v = runs.Order().ToArray();
        long median = v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
        return new Spread(median, v[0], v[^1], runs);
    }

    public override string ToString() => Min == Max ? $"{Median} [{Min}]" : $"{Median} [{Min}..{Max}]";

    public void Write(Utf8JsonWriter w, string name)
    {
        w.WriteStartObject(name);
        w.WriteNumber("median", Median);
        w.WriteNumber("min", Min);
        w.WriteNumber("max", Max);
        w.WriteStartArray("runs");
        foreach (long r in Runs)
        {
            w.WriteNumberValue(r);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }
}

/// <summary>One row of the report: a step, summarised over the repetitions.</summary>
internal sealed record NativeRow(string Thread, int Cpu, string Op, int Line, Spread FlushRounds, Spread MinorFaults, Spread WallUs, Spread NoiseFlushRounds, Spread NoiseMinorFaults, string Outcome);

/// <summary>The report of a native run.</summary>
internal sealed record NativeReport(Scenario Scenario, NativeHost Host, int Reps, IReadOnlyList<NativeRow> Rows, Spread NoiseFlushRounds, Spread NoiseMinorFaults, Spread NoiseWallUs)
{
    public static NativeReport From(Scenario scenario, NativeHost host, List<List<NativeSample>> runs)
    {
        var names = new List<(string Name, ThreadSpec Spec)>();
        foreach (ProcessSpec p in scenario.Processes)
        {
            for (int t = 0; t < p.Threads.Count; t++)
            {
                names.Add(($"{p.Name}/{t}", p.Threads[t]));
            }
        }

        var rows = new List<NativeRow>();
        for (int i = 0; i < runs[0].Count; i++)
        {
            NativeSample first = runs[0][i];
            var same = runs.Select(r => r[i]).ToArray();
            var (name, spec) = names[first.Thread];
            Step step = spec.Steps[first.StepIndex];
            string outcome = string.Join(" / ", same.Select(s => s.Outcome).Distinct());
            rows.Add(new NativeRow(
                name,
                spec.Cpu,
                OpName(step),
                step.Line,
                Spread.Of(same.Select(s => s.FlushRounds)),
                Spread.Of(same.Select(s => s.MinorFaults)),
                Spread.Of(same.Select(s => s.WallNs / 1000)),
                Spread.Of(same.Select(s => s.NoiseFlushRounds)),
                Spread.Of(same.Select(s => s.NoiseMinorFaults)),
                outcome));
        }

        return new NativeReport(
            scenario,
            host,
            runs.Count,
            rows,
            Spread.Of(runs.Select(r => r.Sum(s => s.NoiseFlushRounds))),
            Spread.Of(runs.Select(r => r.Sum(s => s.NoiseMinorFaults))),
            Spread.Of(runs.Select(r => r.Sum(s => s.WallNs) / 1000)));
    }

    private static string OpName(Step step) => step switch
    {
        MmapStep => "mmap",
        MunmapStep => "munmap",
        MadviseStep => "madvise",
        TouchStep => "touch",
        GupFastStep => "gup_fast",
        WritebackStep => "writeback",
        SpinStep => "spin",
        ExitStep => "exit",
        _ => step.GetType().Name,
    };

    public string Text()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"native: {Scenario.Name} ({Scenario.SourcePath}), {Reps} repetition(s), Linux {Host.Kernel} x86-64, {Host.Cpus} CPUs\n");
        sb.Append(CultureInfo.InvariantCulture, $"flush rounds: {Host.FlushSource}\n");
        sb.Append(CultureInfo.InvariantCulture, $"minor faults: {NativeHost.FaultSource}\n");
        sb.Append("values: median [min..max] over the repetitions; idle: the same counters over an idle window as long as the step\n\n");
        string[] header = ["thread", "cpu", "op", "line", "flush rounds", "minor faults", "wall us", "idle rounds", "idle faults", "outcome"];
        var table = new List<string[]> { header };
        table.AddRange(Rows.Select(r => new[]
        {
            r.Thread, r.Cpu.ToString(CultureInfo.InvariantCulture), r.Op, r.Line.ToString(CultureInfo.InvariantCulture),
            r.FlushRounds.ToString(), r.MinorFaults.ToString(), r.WallUs.ToString(), r.NoiseFlushRounds.ToString(), r.NoiseMinorFaults.ToString(), r.Outcome,
        }));
        int[] widths = Enumerable.Range(0, header.Length).Select(c => table.Max(row => row[c].Length)).ToArray();
        foreach (string[] row in table)
        {
            sb.Append(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd()).Append('\n');
        }

        sb.Append(CultureInfo.InvariantCulture, $"\nnoise (idle windows of the steps' total length, {NoiseWallUs} us): flush rounds {NoiseFlushRounds}, minor faults {NoiseMinorFaults}\n");
        return sb.ToString();
    }

    public string Json() => JsonText.Render(w =>
    {
        w.WriteStartObject();
        w.WriteString("scenario", Scenario.Name);
        w.WriteString("file", Scenario.SourcePath);
        w.WriteNumber("reps", Reps);
        w.WriteStartObject("host");
        w.WriteString("kernel", Host.Kernel);
        w.WriteString("arch", "x86-64");
        w.WriteNumber("cpus", Host.Cpus);
        w.WriteEndObject();
        w.WriteStartObject("sources");
        w.WriteString("flush_rounds", Host.FlushSource);
        w.WriteString("minor_faults", NativeHost.FaultSource);
        w.WriteEndObject();
        w.WriteStartArray("steps");
        foreach (NativeRow r in Rows)
        {
            w.WriteStartObject();
            w.WriteString("thread", r.Thread);
            w.WriteNumber("cpu", r.Cpu);
            w.WriteString("op", r.Op);
            w.WriteNumber("line", r.Line);
            r.FlushRounds.Write(w, "flush_rounds");
            r.MinorFaults.Write(w, "minor_faults");
            r.WallUs.Write(w, "wall_us");
            r.NoiseFlushRounds.Write(w, "idle_flush_rounds");
            r.NoiseMinorFaults.Write(w, "idle_minor_faults");
            w.WriteString("outcome", r.Outcome);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("noise");
        NoiseWallUs.Write(w, "window_us");
        NoiseFlushRounds.Write(w, "flush_rounds");
        NoiseMinorFaults.Write(w, "minor_faults");
        w.WriteEndObject();
        w.WriteEndObject();
    });
}
