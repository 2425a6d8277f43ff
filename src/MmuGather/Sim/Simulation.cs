using MmuGather.Machine;
using MmuGather.Mm;
using MmuGather.Sim.Checkers;

namespace MmuGather.Sim;

/// <summary>
/// One run: seed -> options -> machine, kernel and oracles -> steps -> teardown -> report.
/// This is the sequential scheduler: threads take turns in file order, one whole step at a
/// time, each on its own CPU; a thread that runs out of steps blocks (its CPU idles in lazy
/// TLB mode) and a spinning thread keeps its mm live on its CPU until the end. At the end
/// every process exits, page caches are dropped, RCU callbacks run, and the leak checker
/// looks at every frame.
/// </summary>
public sealed class Simulation
{
    private readonly List<SimProcess> _processes = [];
    private readonly List<SimThread> _threads = [];
    private readonly List<StepResult> _steps = [];
    private readonly SimThread?[] _running;
    private readonly LeakChecker _leak;
    private readonly List<Checker> _checkers = [];
    private int _totalSteps;

    public Simulation(SimulationOptions options)
    {
        Options = options;
        Diag = new Diagnostics { Seed = options.Seed };
        var hub = new ObserverHub();
        Machine = new SimMachine(options.Machine, options.Failures, hub, Diag, SequentialScheduler.Instance);
        Shadow = new TranslationShadow(options.Machine.Cpus, Machine.Memory.FrameCount, Machine.Geometry);
        hub.Add(Shadow);
        _leak = new LeakChecker(Machine.Memory, Diag);
        _checkers.AddRange(
        [
            new StaleTlbChecker(Machine.Memory, Diag),
            FlushBeforeFree = new FlushBeforeFreeChecker(Shadow, Diag),
            new PostConditionChecker(Machine.Cpus, Shadow, Diag),
            new FreedTableChecker(Machine.Memory, Diag),
            new LockDisciplineChecker(Diag),
            _leak,
        ]);
        foreach (Checker c in _checkers)
        {
            hub.Add(c);
        }

        Kernel = new Kernel(Machine, Architectures.Factory(options.Arch), options.Bugs);
        _running = new SimThread?[options.Machine.Cpus];
    }

    public SimulationOptions Options { get; }

    public Diagnostics Diag { get; }

    public SimMachine Machine { get; }

    public Kernel Kernel { get; }

    public TranslationShadow Shadow { get; }

    public FlushBeforeFreeChecker FlushBeforeFree { get; }

    public IReadOnlyList<Checker> Checkers => _checkers;

    /// <summary>
    /// Called before each step with (steps done, steps in all, what runs next), and once with
    /// "teardown". For progress display only: it must not touch the model.
    /// </summary>
    public Action<int, int, string>? Progress { get; set; }

    public SimProcess AddProcess(string name)
    {
        var p = new SimProcess(name, Kernel.CreateMm(name));
        _processes.Add(p);
        return p;
    }

    public SimThread AddThread(SimProcess process, int cpu, IReadOnlyList<ISimStep> steps)
    {
        if (cpu < 0 || cpu >= Machine.Cpus.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(cpu), cpu, $"the machine has {Machine.Cpus.Count} CPUs");
        }

        var t = new SimThread(process, process.Threads.Count, cpu, steps);
        process.Threads.Add(t);
        process.Mm.Users.IncrementAndGet();
        _threads.Add(t);
        return t;
    }

    /// <summary>Runs every step, then the teardown, and reports.</summary>
    public RunResult Run()
    {
        _totalSteps = _threads.Sum(t => t.Steps.Count);
        int bound = _totalSteps + 1;
        while (_threads.Any(t => t.HasWork) && bound-- > 0)
        {
            foreach (SimThread t in _threads)
            {
                if (t.HasWork)
                {
                    RunStep(t);
                }
            }
        }

        Diag.Assert(!_threads.Any(t => t.HasWork), "steps left after the step bound");
        var atEnd = Snapshot();
        Progress?.Invoke(_steps.Count, _totalSteps, "teardown");
        Teardown();
        var afterTeardown = Snapshot();
        var teardown = afterTeardown.ToDictionary(kv => kv.Key, kv => kv.Value - atEnd[kv.Key]);
        var violations = _checkers.SelectMany(c => c.Violations).ToList();
        return new RunResult(
            Options.Name,
            Options.Arch,
            Options.Seed,
            atEnd,
            new SortedDictionary<string, long>(teardown, StringComparer.Ordinal),
            _steps,
            violations,
            _checkers.Sum(c => c.Fired));
    }

    /// <summary>Flush IPIs received, summed over CPUs: the TLB line of /proc/interrupts.</summary>
    public long TlbShootdownIpis => Machine.Cpus.Sum(c => c.IpisReceived(IpiKind.TlbFlush));

    private void RunStep(SimThread t)
    {
        ISimStep step = t.Steps[t.NextStep];
        Diag.Step = $"thread {t.Name} step {t.NextStep + 1} ({step.Op}, line {step.Line})";
        Progress?.Invoke(_steps.Count, _totalSteps, Diag.Step);
        BringOnCpu(t);
        long ipis = TlbShootdownIpis;
        long pages = Kernel.Counters[Counter.PagesFreed];
        long tables = Kernel.Counters[Counter.PageTablesFreed];
        step.Execute(new StepContext(Kernel, t.Process, t));
        t.NextStep++;
        if (t.Exited)
        {
            ExitThread(t);
        }
        else if (!t.HasWork && !t.Spinning)
        {
            Deschedule(t); // blocks until the end of the run
        }

        Kernel.Rcu.ReportAllQuiescent();
        _steps.Add(new StepResult(t.Name, t.Cpu, step.Op, step.Line, TlbShootdownIpis - ipis, Kernel.Counters[Counter.PagesFreed] - pages, Kernel.Counters[Counter.PageTablesFreed] - tables));
    }

    /// <summary>Makes t the running thread of its CPU (a context switch if someone else was).</summary>
    private void BringOnCpu(SimThread t)
    {
        Machine.SwitchTo(Machine.Cpus[t.Cpu]);
        if (_running[t.Cpu] != t)
        {
            _running[t.Cpu] = t;
            Kernel.ContextSwitch(t.Process.Mm);
        }
    }

    /// <summary>t leaves its CPU; a spinner pinned there takes it back, else the CPU idles lazily.</summary>
    private void Deschedule(SimThread t)
    {
        if (_running[t.Cpu] != t)
        {
            return;
        }

        _running[t.Cpu] = null;
        SimThread? spinner = _threads.FirstOrDefault(s => s.Cpu == t.Cpu && s.Spinning && !s.Exited && s != t);
        if (spinner is not null)
        {
            BringOnCpu(spinner);
        }
        else
        {
            Kernel.ContextSwitch(null);
        }
    }

    /// <summary>do_exit: the last thread of a process tears its address space down.</summary>
    private void ExitThread(SimThread t)
    {
        t.Exited = true;
        if (t.Process.Mm.Users.DecrementAndGet() == 0)
        {
            Kernel.Mmap.ExitMmap(t.Process.Mm);
            Kernel.MmDrop(t.Process.Mm);
        }

        Deschedule(t);
    }

    private void Teardown()
    {
        Diag.Step = "teardown";
        foreach (SimThread t in _threads.Where(t => !t.Exited).OrderBy(t => t.Spinning ? 1 : 0).ToList())
        {
            BringOnCpu(t);
            t.Spinning = false;
            ExitThread(t);
            Kernel.Rcu.ReportAllQuiescent();
        }

        foreach (Cpu cpu in Machine.Cpus)
        {
            Machine.SwitchTo(cpu);
            Kernel.ContextSwitch(null);
            Kernel.LeaveLazyMm();
        }

        Kernel.ReleaseFiles();
        Kernel.Rcu.Barrier();
        _leak.CheckAllFree();
    }

    private SortedDictionary<string, long> Snapshot()
    {
        var d = new SortedDictionary<string, long>(StringComparer.Ordinal)
        {
            ["tlb_shootdown_ipis"] = TlbShootdownIpis,
            ["call_function_ipis"] = Machine.Cpus.Sum(c => c.IpisReceived(IpiKind.CallFunction)),
        };
        foreach (Counter c in Enum.GetValues<Counter>())
        {
            d[KernelCounters.KeyOf(c)] = Kernel.Counters[c];
        }

        return d;
    }
}
