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
        NativeArguments parsed = NativeArguments.Parse(args, Name, manyFiles: false);
        if (parsed.Help)
        {
            stdout.Write(Help);
            return ExitCode.Clean;
        }

        string file = parsed.Files[0];
        int reps = parsed.Reps;
        OutputFormat format = parsed.Format;
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

        List<List<NativeSample>> runs;
        try
        {
            runs = NativeSession.RunRepeated(scenario, NativeHost.Current, reps);
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
