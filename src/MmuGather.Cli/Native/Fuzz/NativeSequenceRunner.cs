using System.Globalization;
using System.Text.Json;
using MmuGather.Scenarios;

namespace MmuGather.Cli.Native.Fuzz;

/// <summary>
/// Runs generated sequences on this host, in two long-lived sequence workers (see
/// <see cref="SequenceWorker"/>): one confined to CPU 0 for sequences without a spinner, one
/// on CPUs 0 and 1 for those with one, so that each process's mm_cpumask only ever holds
/// what the model's does. Steps follow the <c>turns</c> order; around each, the per-CPU
/// tlb:tlb_flush "remote IPI send" counters (filtered to the workers' threads) give its
/// flush rounds, then the worker reports its arena's vmas and every region's residency.
/// A sequence the runtime disturbed (a mapping of its own among the regions) is run again.
/// </summary>
internal sealed class NativeSequenceRunner : ISequenceRunner
{
    private const int Attempts = 3;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);
    private readonly NativeHost _host;
    private readonly CpuFlushRounds _rounds;
    private WorkerProcess? _alone;
    private WorkerProcess? _spinning;

    public NativeSequenceRunner(NativeHost host)
    {
        if (host.Refusal is { } why)
        {
            throw new NativeRefusedException(why);
        }

        _host = host;
        _rounds = new CpuFlushRounds(host);
    }

    /// <summary>Sequences run again because the runtime mapped into the arena.</summary>
    public int Reruns { get; private set; }

    public IReadOnlyList<StepObservation> Run(Scenario scenario)
    {
        for (int attempt = 1; ; attempt++)
        {
            if (RunOnce(scenario) is { } observed)
            {
                return observed;
            }

            if (attempt == Attempts)
            {
                throw new InvalidOperationException($"the worker's runtime mapped into the arena in {Attempts} runs of {scenario.Name}");
            }

            Reruns++;
        }
    }

    private List<StepObservation>? RunOnce(Scenario scenario)
    {
        IReadOnlyList<ThreadSpec> threads = scenario.Processes[0].Threads;
        WorkerProcess w = threads.Count > 1 ? _spinning ??= Start(spinner: true) : _alone ??= Start(spinner: false);
        Ask(w, "reset", "reset");
        for (int t = 0; t < threads.Count; t++)
        {
            w.Send($"load {t} {threads[t].Steps.Count}");
            foreach (Step s in threads[t].Steps)
            {
                w.Send(StepCodec.Encode(s));
            }

            Expect(w, "loaded");
        }

        var order = TurnOrder.Of(scenario);
        var observed = new List<StepObservation>();
        while (order.Next() is var (thread, index))
        {
            Step step = threads[thread].Steps[index];
            long before = Rounds();
            w.Send($"step {thread}");
            string[] done = (w.ReadLine(s_timeout) ?? throw w.Failure($"gave no answer to step {thread}")).Split(' ', 4);
            long rounds = Rounds() - before;
            if (done.Length != 4 || done[0] != "done")
            {
                throw w.Failure($"answered '{string.Join(' ', done)}' to a step");
            }

            string outcome = done[3];
            if (Ask(w, "check", null) != "clean")
            {
                return null;
            }

            if (outcome.StartsWith("error", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{scenario.Name} line {step.Line}: {outcome}");
            }

            ObservationLine obs = JsonSerializer.Deserialize((Ask(w, "observe", null) ?? "")["obs ".Length..], SequenceJson.Default.ObservationLine)
                ?? throw w.Failure("sent an empty observation");
            bool segv = outcome.StartsWith("segv", StringComparison.Ordinal);
            observed.Add(new StepObservation(
                thread,
                step.Line,
                step.Op,
                rounds,
                step is TouchStep ? (segv ? "segv" : "ok") : "-",
                obs.Layout.Select(v => new VmaView(v.Start, v.End, v.Perms, v.File)).ToList(),
                obs.Resident));
            order.Ran(thread);
            if (segv)
            {
                order.Stop(thread);
            }
        }

        return observed;
    }

    private WorkerProcess Start(bool spinner)
    {
        WorkerProcess w = WorkerProcess.Start([SequenceWorker.Command, spinner ? "1" : "0"], spinner ? 0b11UL : 0b01UL);
        string ready = w.ReadLine(s_timeout) ?? throw w.Failure("did not start");
        if (!ready.StartsWith("ready", StringComparison.Ordinal))
        {
            throw w.Failure($"said '{ready}' instead of ready");
        }

        // Every thread the worker has now, runtime threads included (they run on CPU 0 and
        // may flush: their rounds would show, and are the host's, not the sequence's; they
        // are idle while a step runs).
        _rounds.Widen(w.Threads());
        return w;
    }

    private long Rounds() => _rounds.Read();

    private static string? Ask(WorkerProcess w, string command, string? expected)
    {
        w.Send(command);
        string answer = w.ReadLine(s_timeout) ?? throw w.Failure($"gave no answer to '{command}'");
        return expected is null || answer == expected ? answer : throw w.Failure($"answered '{answer}' to '{command}'");
    }

    private static void Expect(WorkerProcess w, string expected)
    {
        string answer = w.ReadLine(s_timeout) ?? throw w.Failure("stopped answering");
        if (answer != expected)
        {
            throw w.Failure($"answered '{answer}' where '{expected}' was due");
        }
    }

    public void Dispose()
    {
        _alone?.Dispose();
        _spinning?.Dispose();
        _rounds.Dispose();
    }
}
