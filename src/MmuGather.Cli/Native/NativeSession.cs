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
    private readonly List<Worker> _workers = [];
    private readonly List<PerfCounter> _cpuCounters = [];
    private readonly HashSet<int> _counted = [];

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
    }

    /// <summary>The pids of the worker processes started so far (for tests).</summary>
    public IReadOnlyList<int> WorkerPids => _workers.Select(w => w.Process.Id).ToArray();

    public List<NativeSample> Run()
    {
        for (int p = 0; p < _scenario.Processes.Count; p++)
        {
            _workers.Add(Worker.Start(_scenario.SourcePath, p, CpuMask(_scenario.Processes[p])));
        }

        foreach (Worker w in _workers)
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
        var threads = new List<(Worker Worker, ThreadSpec Spec, int Local)>();
        for (int p = 0; p < _scenario.Processes.Count; p++)
        {
            for (int t = 0; t < _scenario.Processes[p].Threads.Count; t++)
            {
                threads.Add((_workers[p], _scenario.Processes[p].Threads[t], t));
            }
        }

        var next = new int[threads.Count];
        var mapped = _workers.Select(_ => new HashSet<string>(StringComparer.Ordinal)).ToArray();
        var samples = new List<NativeSample>();
        int current = threads.Count - 1;
        while (true)
        {
            int chosen = -1;
            for (int d = 1; d <= threads.Count; d++)
            {
                int i = (current + d) % threads.Count;
                var (w, spec, _) = threads[i];
                if (next[i] < spec.Steps.Count && Ready(spec.Steps[next[i]], mapped[_workers.IndexOf(w)]))
                {
                    chosen = i;
                    break;
                }
            }

            if (chosen < 0)
            {
                if (Enumerable.Range(0, threads.Count).Any(i => next[i] < threads[i].Spec.Steps.Count))
                {
                    throw new InvalidOperationException("every thread left waits for a region no thread maps");
                }

                break;
            }

            current = chosen;
            var (worker, threadSpec, local) = threads[chosen];
            Step step = threadSpec.Steps[next[chosen]];
            samples.Add(RunStep(worker, chosen, local, next[chosen], step));
            if (step is MmapStep m)
            {
                mapped[_workers.IndexOf(worker)].Add(m.Name);
            }

            next[chosen]++;
        }

        return samples;
    }

    /// <summary>The CPUs a scenario process runs on: those of its threads.</summary>
    private static ulong CpuMask(ProcessSpec process) => process.Threads.Aggregate(0UL, (m, t) => m | (1UL << t.Cpu));

    private static bool Ready(Step step, HashSet<string> mapped) => step switch
    {
        MunmapStep s => mapped.Contains(s.Region),
        MadviseStep s => mapped.Contains(s.Region),
        TouchStep s => mapped.Contains(s.Region),
        WritebackStep s => mapped.Contains(s.Region),
        GupFastStep s => mapped.Contains(s.Region),
        _ => true,
    };

    private NativeSample RunStep(Worker worker, int thread, int local, int stepIndex, Step step)
    {
        CountNewThreads();
        long rss0 = worker.ReadRssPages();
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
        long rss1 = worker.Exited ? 0 : worker.ReadRssPages();

        // The idle window: everything stays as it is (spinners spin) for as long as the step took.
        Idle(TimeSpan.FromTicks(Math.Max(1, wallNs / 100)));
        (long flush2, long faults2) = Totals();
        return new NativeSample(thread, stepIndex, flush1 - flush0, faults1 - faults0, wallNs, flush2 - flush1, faults2 - faults1, outcome, rss0, rss1, worker.Footprint);
    }

    /// <summary>
    /// Opens the per-CPU counters on first use and widens their filter to every thread the
    /// workers have now (runtime threads come and go; exited ones stay in the filter).
    /// </summary>
    private void CountNewThreads()
    {
        bool grew = false;
        foreach (Worker w in _workers.Where(w => !w.Exited))
        {
            foreach (int tid in w.Threads())
            {
                grew |= _counted.Add(tid);
            }
        }

        string? error;
        if (_cpuCounters.Count == 0)
        {
            for (int cpu = 0; cpu < _host.Cpus; cpu++)
            {
                _cpuCounters.Add(PerfCounter.OpenCpuFlushRounds(cpu, _host.TracepointId, _host.RemoteSendReason, _counted, out error)
                    ?? throw new InvalidOperationException($"cannot count flush rounds on CPU {cpu}: {error}"));
            }

            return;
        }

        if (grew && _cpuCounters.Any(c => !c.Filter(_host.RemoteSendReason, _counted, out error)))
        {
            throw new InvalidOperationException("cannot widen the flush-round filter to the workers' new threads");
        }
    }

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
        long flush = _cpuCounters.Sum(c => c.Read()), faults = 0;
        foreach (Worker w in _workers)
        {
            faults += w.ReadMinorFaults();
        }

        return (flush, faults);
    }

    public void Dispose()
    {
        foreach (Worker w in _workers)
        {
            w.Dispose();
        }

        foreach (PerfCounter c in _cpuCounters)
        {
            c.Dispose();
        }
    }

    /// <summary>A worker process and the perf counters on each of its threads.</summary>
    private sealed class Worker : IDisposable
    {
        private readonly System.Text.StringBuilder _stderr = new();

        private Worker(Process process) => Process = process;

        public Process Process { get; }

        public bool Exited { get; set; }

        /// <summary>Resident pages when the worker said ready: the runtime's own, before any step.</summary>
        public long Footprint { get; set; }

        /// <summary>Resident pages now (the Rss of /proc/PID/smaps_rollup), 0 when it cannot be read.</summary>
        public long ReadRssPages()
        {
            try
            {
                foreach (string line in File.ReadLines($"/proc/{Process.Id}/smaps_rollup"))
                {
                    if (line.StartsWith("Rss:", StringComparison.Ordinal))
                    {
                        return long.Parse(line[4..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 4;
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // Gone.
            }

            return 0;
        }

        private long _minorFaults;

        /// <summary>
        /// The process's minor faults (/proc/PID/stat field 10: live and exited threads),
        /// which unlike the perf software event include the faults taken for populate (GUP);
        /// the last value read once the process is gone.
        /// </summary>
        public long ReadMinorFaults()
        {
            try
            {
                string stat = File.ReadAllText($"/proc/{Process.Id}/stat");
                string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (!Exited)
                {
                    _minorFaults = long.Parse(fields[7], CultureInfo.InvariantCulture);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone: keep the last value.
            }

            return _minorFaults;
        }

        /// <summary>
        /// Starts the worker already confined to <paramref name="cpus"/>: the child inherits
        /// the affinity of the thread that forks it, so this thread takes it on for the
        /// start. A worker that ran anywhere else, even for the runtime's start-up, would
        /// leave that CPU in its mm_cpumask, and x86 counts a remote round for every flush
        /// while a lazy CPU stays there (the model's process never ran on it).
        /// </summary>
        public static Worker Start(string file, int index, ulong cpus)
        {
            var psi = WorkerCommand.StartInfo();
            foreach (string a in new[] { NativeWorker.Command, Path.GetFullPath(file), index.ToString(CultureInfo.InvariantCulture), Environment.ProcessId.ToString(CultureInfo.InvariantCulture) })
            {
                psi.ArgumentList.Add(a);
            }

            psi.RedirectStandardInput = true;
            psi.RedirectStandardOutput = true;
            psi.RedirectStandardError = true;
            psi.UseShellExecute = false;

            // Fewer runtime-made mappings (and their flushes) inside the measured process:
            // no W^X double mapping of JIT code, no background re-JIT.
            psi.Environment["DOTNET_EnableWriteXorExecute"] = "0";
            psi.Environment["DOTNET_TieredCompilation"] = "0";
            psi.Environment["DOTNET_gcServer"] = "0";

            // One malloc arena grown with brk, and no mmap for blocks under 32 MiB: glibc's
            // allocator then maps nothing in the middle of the scenario's regions.
            psi.Environment["GLIBC_TUNABLES"] = "glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=33554432";
            var process = new Process { StartInfo = psi };
            var worker = new Worker(process);
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (worker._stderr)
                    {
                        worker._stderr.AppendLine(e.Data);
                    }
                }
            };
            ulong before = Libc.Affinity(0);
            if (!Libc.Pin(0, cpus))
            {
                throw new InvalidOperationException($"cannot confine the worker to CPU mask 0x{cpus:x}: {Libc.ErrnoText(Libc.Errno)}");
            }

            try
            {
                process.Start();
            }
            finally
            {
                Libc.Pin(0, before);
            }

            process.BeginErrorReadLine();
            return worker;
        }

        public void Send(string line)
        {
            Process.StandardInput.Write(line + "\n");
            Process.StandardInput.Flush();
        }

        public string? ReadLine(TimeSpan timeout)
        {
            Task<string?> read = Process.StandardOutput.ReadLineAsync();
            return read.Wait(timeout) ? read.Result : throw Failure($"timed out after {timeout.TotalSeconds:0} s");
        }

        public Exception Failure(string what)
        {
            string err;
            lock (_stderr)
            {
                err = _stderr.ToString().Trim();
            }

            return new InvalidOperationException($"native worker {Process.Id} {what}" + (err.Length > 0 ? $": {err.ReplaceLineEndings(" | ")}" : ""));
        }

        /// <summary>The worker's threads now (none once it is gone).</summary>
        public IEnumerable<int> Threads()
        {
            string[] tasks;
            try
            {
                tasks = Directory.GetDirectories($"/proc/{Process.Id}/task");
            }
            catch (DirectoryNotFoundException)
            {
                return [];
            }

            return tasks.Select(t => int.TryParse(Path.GetFileName(t), CultureInfo.InvariantCulture, out int tid) ? tid : 0).Where(t => t > 0);
        }

        public void Dispose()
        {
            try
            {
                if (!Process.HasExited)
                {
                    Process.StandardInput.Close(); // EOF: the worker exits at once
                    if (!Process.WaitForExit(2000))
                    {
                        Process.Kill(entireProcessTree: true);
                        Process.WaitForExit(5000);
                    }
                }
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }

            Process.Dispose();
        }
    }
}
