using System.Diagnostics;
using System.Globalization;
using MmuGather.Scenarios;

namespace MmuGather.Cli.Native;

/// <summary>
/// One repetition of a scenario on the host: starts one worker process per scenario
/// process, hands out turns in the model's <c>turns</c> order (threads in file order, one
/// whole step each; a thread whose step names a region its process has not mapped yet is
/// passed over), and around every step reads the perf counters of every thread of every
/// worker; then watches an idle window as long as the step. Disposing kills what is left.
/// </summary>
internal sealed class NativeSession : IDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_stepTimeout = TimeSpan.FromSeconds(300);

    private readonly Scenario _scenario;
    private readonly NativeHost _host;
    private readonly List<WorkerProcess> _workers = [];
    private readonly CpuFlushRounds _rounds;

    /// <summary>What a worker's outcome starts with when the runtime mapped something into its arena.</summary>
    public const string Interference = "error: the runtime mapped into the arena";

    private const int InterferenceRetries = 3;

    /// <summary>
    /// Runs <paramref name="scenario"/> <paramref name="reps"/> times, each in a fresh session
    /// (fresh workers). A repetition in which the runtime mapped something of its own among the
    /// regions is not the model's layout: it is run again, up to 3 times, then reported.
    /// </summary>
    public static List<List<NativeSample>> RunRepeated(Scenario scenario, NativeHost host, int reps)
    {
        var runs = new List<List<NativeSample>>(reps);
        for (int r = 0; r < reps; r++)
        {
            for (int attempt = 1; ; attempt++)
            {
                using var session = new NativeSession(scenario, host);
                List<NativeSample> run = session.Run();
                if (attempt < InterferenceRetries && run.Any(s => s.Outcome.StartsWith(Interference, StringComparison.Ordinal)))
                {
                    continue;
                }

                runs.Add(run);
                break;
            }
        }

        return runs;
    }

    public NativeSession(Scenario scenario, NativeHost host)
    {
        _scenario = scenario;
        _host = host;
        _rounds = new CpuFlushRounds(host);
    }

    /// <summary>The pids of the worker processes started so far (for tests).</summary>
    public IReadOnlyList<int> WorkerPids => _workers.Select(w => w.Process.Id).ToArray();

    public List<NativeSample> Run()
    {
        for (int p = 0; p < _scenario.Processes.Count; p++)
        {
            _workers.Add(WorkerProcess.Start([NativeWorker.Command, Path.GetFullPath(_scenario.SourcePath), p.ToString(CultureInfo.InvariantCulture)], CpuMask(_scenario.Processes[p])));
        }

        foreach (WorkerProcess w in _workers)
        {
            string ready = w.ReadLine(s_startTimeout) ?? throw w.Failure("did not start");
            if (!ready.StartsWith("ready", StringComparison.Ordinal))
            {
                throw w.Failure($"said '{ready}' instead of ready");
            }

            w.Send("arena");
            string arena = w.ReadLine(s_startTimeout) ?? throw w.Failure("gave no answer to 'arena'");
            if (!arena.StartsWith("arena", StringComparison.Ordinal))
            {
                throw w.Failure($"said '{arena}' instead of arena");
            }

            w.Footprint = w.ReadRssPages();
        }

        // Global thread list in file order: (worker, thread index in the process).
        var threads = new List<(WorkerProcess WorkerProcess, ThreadSpec Spec, int Local)>();
        for (int p = 0; p < _scenario.Processes.Count; p++)
        {
            for (int t = 0; t < _scenario.Processes[p].Threads.Count; t++)
            {
                threads.Add((_workers[p], _scenario.Processes[p].Threads[t], t));
            }
        }

        var order = TurnOrder.Of(_scenario);
        var samples = new List<NativeSample>();
        while (order.Next() is var (chosen, index))
        {
            var (worker, threadSpec, local) = threads[chosen];
            samples.Add(RunStep(worker, chosen, local, index, threadSpec.Steps[index]));
            order.Ran(chosen);
        }

        return samples;
    }

    /// <summary>The CPUs a scenario process runs on: those of its threads.</summary>
    private static ulong CpuMask(ProcessSpec process) => process.Threads.Aggregate(0UL, (m, t) => m | (1UL << t.Cpu));

    private NativeSample RunStep(WorkerProcess worker, int thread, int local, int stepIndex, Step step)
    {
        CountNewThreads();
        long rss0 = worker.ReadRssPages();
        long ipis0 = Interrupts.TlbRow();
        (long flush0, long faults0) = Totals();
        long t0 = Stopwatch.GetTimestamp();
        worker.Send($"step {local}");
        string reply = worker.ReadLine(s_stepTimeout) ?? throw worker.Failure($"gave no answer to step {local} (line {step.Line})");
        long wallNs;
        string outcome;
        string[] words = reply.Split(' ', 4);
        if (words[0] == "exit")
        {
            if (!worker.Process.WaitForExit(s_stepTimeout))
            {
                throw worker.Failure("did not exit");
            }

            worker.Exited = true;
            wallNs = (long)Stopwatch.GetElapsedTime(t0).TotalNanoseconds;
            outcome = "ok (process exited)";
        }
        else if (words.Length == 4 && words[0] == "done")
        {
            wallNs = long.Parse(words[2], CultureInfo.InvariantCulture);
            outcome = words[3];
        }
        else
        {
            throw worker.Failure($"answered '{reply}' to step {local}");
        }

        (long flush1, long faults1) = Totals();
        long ipis1 = Interrupts.TlbRow();
        long rss1 = worker.Exited ? 0 : worker.ReadRssPages();
        // The idle window: everything stays as it is (spinners spin) for as long as the step took.
        Idle(TimeSpan.FromTicks(Math.Max(1, wallNs / 100)));
        (long flush2, long faults2) = Totals();
        long ipis2 = Interrupts.TlbRow();

        // Outside both windows: the worker's look at its arena has faults of its own.
        if (!worker.Exited)
        {
            worker.Send("check");
            string check = worker.ReadLine(s_stepTimeout) ?? throw worker.Failure("gave no answer to check");
            outcome = check == "clean" ? outcome : check;
        }
        return new NativeSample(thread, stepIndex, flush1 - flush0, faults1 - faults0, wallNs, flush2 - flush1, faults2 - faults1, outcome, rss0, rss1, worker.Footprint, ipis1 - ipis0, ipis2 - ipis1);
    }

    /// <summary>Widens the per-CPU counters to every thread the workers have now (runtime threads come and go).</summary>
    private void CountNewThreads() => _rounds.Widen(_workers.Where(w => !w.Exited).SelectMany(w => w.Threads()).ToList());

    private static void Idle(TimeSpan length)
    {
        if (length >= TimeSpan.FromMilliseconds(5))
        {
            Thread.Sleep(length);
            return;
        }

        long t0 = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(t0) < length)
        {
            Thread.SpinWait(20);
        }
    }

    private (long Flush, long Faults) Totals()
    {
        long flush = _rounds.Read(), faults = 0;
        foreach (WorkerProcess w in _workers)
        {
            faults += w.ReadMinorFaults();
        }

        return (flush, faults);
    }

    public void Dispose()
    {
        foreach (WorkerProcess w in _workers)
        {
            w.Dispose();
        }

        _rounds.Dispose();
    }
}
