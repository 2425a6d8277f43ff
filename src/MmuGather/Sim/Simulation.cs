using MmuGather.Machine;
using MmuGather.Mm;
using MmuGather.Sim.Checkers;
using MmuGather.Sim.Scheduling;

namespace MmuGather.Sim;

/// <summary>
/// One run: seed -> options -> machine, kernel and oracles -> threads -> teardown -> report.
/// Every thread runs its steps on the interleaving scheduler (whose strategy decides who runs
/// at each scheduling point). A thread that runs out of steps waits for the end of the run
/// (off its CPU, which idles in lazy TLB mode; a spinning thread stays in user mode on its
/// CPU, keeping the mm live there). When every thread is at its end they exit one at a time,
/// spinners last, and the last one out tears its address space down. An exit_group step ends
/// every thread of its process before its next step instead, whichever point it is at, and
/// the last of them out tears the address space down at once. Then page caches are
/// dropped, RCU callbacks run, and the leak checker looks at every frame.
/// </summary>
public sealed class Simulation
{
    private readonly List<SimProcess> _processes = [];
    private readonly List<SimThread> _threads = [];
    private readonly List<StepResult> _steps = [];
    private readonly LeakChecker _leak;
    private readonly List<Checker> _checkers = [];
    private readonly InterleavingScheduler _scheduler;
    private int _totalSteps;
    private int _stepsStarted;
    private SortedDictionary<string, long>? _atEnd;

    /// <param name="options">Machine, kernel, seed and scheduling.</param>
    /// <param name="pool">Host carriers to reuse across runs (an exploration job's); null for a private one.</param>
    public Simulation(SimulationOptions options, CarrierPool? pool = null)
    {
        Options = options;
        Diag = new Diagnostics { Seed = options.Seed };
        var hub = new ObserverHub();
        Hub = hub;
        // The back-end may need its own page-table shape (s390's 256-entry page tables).
        MachineOptions machine = options.Machine with { Geometry = Architectures.GeometryOf(options.Arch, options.Machine.Geometry) };
        Machine = new SimMachine(machine, options.Failures, hub, Diag, SequentialScheduler.Instance);
        _scheduler = new InterleavingScheduler(Machine, Strategies.Create(options), options.MaxPoints, options.Preemption, pool);
        Machine.Scheduler = _scheduler;
        Shadow = new TranslationShadow(options.Machine.Cpus, Machine.Memory.FrameCount, Machine.Geometry);
        hub.Add(Shadow);
        _leak = new LeakChecker(Machine.Memory, Diag);
        _checkers.AddRange(
        [
            new StaleTlbChecker(Machine.Memory, Diag),
            FlushBeforeFree = new FlushBeforeFreeChecker(Shadow, Diag),
            new PostConditionChecker(Shadow, Diag),
            new FreedTableChecker(Machine.Memory, Diag),
            new LockDisciplineChecker(Diag),
            new LostWriteChecker(Machine.Memory, Shadow, Diag),
            new HashAfterUnlockChecker(Machine.Memory, Machine.Geometry, Diag),
            new StalePermissionChecker(Machine, Diag),
            new CowStaleWriteChecker(Machine.Memory, Diag),
            new PinnedCowChecker(Machine.Memory, Diag),
            _leak,
        ]);
        foreach (Checker c in _checkers)
        {
            hub.Add(c);
        }

        Kernel = new Kernel(Machine, Architectures.Factory(options.Arch), options.Bugs, options.GatherMode, options.FlushApi);
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

    public SimProcess AddProcess(string name) =>
        TryAddProcess(name) ?? throw new InvalidOperationException($"out of memory allocating the pgd of '{name}'");

    /// <summary>
    /// The process, or null when it cannot start (no memory for its pgd: the fork or exec that
    /// would create it fails with ENOMEM). That is an outcome of the run, counted in
    /// processes_not_started; its threads never run.
    /// </summary>
    public SimProcess? TryAddProcess(string name)
    {
        if (Kernel.TryCreateMm(name) is not { } mm)
        {
            return null;
        }

        var p = new SimProcess(name, mm);
        _processes.Add(p);
        return p;
    }

    /// <summary>
    /// Called after each step, on the thread that ran it and before its next scheduling point,
    /// with the step's result: the state the step left is there to be read (the differential
    /// fuzzer reads the vmas and page tables). It must not change the model.
    /// </summary>
    public Action<SimThread, StepResult>? StepDone { get; set; }

    /// <summary>Events of the run, for extra observers (a tracer); add before <see cref="Run"/>.</summary>
    public ObserverHub Hub { get; }

    /// <summary>The scheduler, for its statistics (points, switches, preemptions, migrations).</summary>
    public InterleavingScheduler Scheduler => _scheduler;

    public SimThread AddThread(SimProcess process, int cpu, IReadOnlyList<ISimStep> steps) =>
        AddThread(process, cpu, 1UL << cpu, steps);

    /// <summary>A thread that starts on <paramref name="cpu"/> and may run on any CPU in <paramref name="allowedCpus"/>.</summary>
    public SimThread AddThread(SimProcess process, int cpu, ulong allowedCpus, IReadOnlyList<ISimStep> steps)
    {
        if (cpu < 0 || cpu >= Machine.Cpus.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(cpu), cpu, $"the machine has {Machine.Cpus.Count} CPUs");
        }

        ulong all = Machine.Cpus.Count == 64 ? ulong.MaxValue : (1UL << Machine.Cpus.Count) - 1;
        if ((allowedCpus & (1UL << cpu)) == 0 || (allowedCpus & ~all) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(allowedCpus), $"CPU mask 0x{allowedCpus:x} must include CPU{cpu} and only CPUs of the machine");
        }

        var t = new SimThread(process, process.Threads.Count, _threads.Count, cpu, allowedCpus, steps);
        process.Threads.Add(t);
        process.Mm.Users.IncrementAndGet();
        _threads.Add(t);
        return t;
    }

    /// <summary>Runs every thread, then the teardown, and reports.</summary>
    public RunResult Run()
    {
        _totalSteps = _threads.Sum(t => t.Steps.Count);
        foreach (SimThread t in _threads)
        {
            t.DiagStep = $"thread {t.Name} start";
        }

        _scheduler.RunAll(Kernel, _threads, RunThread);
        var atEnd = _atEnd ?? Snapshot();
        Progress?.Invoke(_stepsStarted, _totalSteps, "teardown");
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
            _checkers.Sum(c => c.Fired))
        {
            Checked = [.. _checkers.Select(c => new CheckerCoverage(c.Name, c.Examined, c.ExaminedWhat, c.Fired))],
        };
    }

    /// <summary>Flush IPIs received, summed over CPUs: the TLB line of /proc/interrupts.</summary>
    public long TlbShootdownIpis => Machine.Cpus.Sum(c => c.IpisReceived(IpiKind.TlbFlush));

    /// <summary>A thread's life, on its own carrier: its steps, the wait for the end, its exit.</summary>
    private void RunThread(SimThread t)
    {
        if (!WaitForFork(t))
        {
            t.DiagStep = $"thread {t.Name} exits: its process was never forked";
            Diag.Step = t.DiagStep;
            _scheduler.SetUserMode(false);
            ExitThread(t);
            return;
        }

        var ctx = new StepContext(Kernel, t.Process, t);
        if (t.Index == 0 && t.Process.Footprint > 0 && !t.Process.GroupExiting)
        {
            Kernel.Mmap.DoMmap(t.Process.Mm, new MappingRequest("(footprint)", t.Process.Footprint, false, false, false, true));
        }

        while (t.HasWork)
        {
            RunStep(t, ctx);
            if (t.HasWork)
            {
                Machine.Scheduler.SchedulingPoint(SchedPoint.StepBoundary);
            }
        }

        if (t.Exited)
        {
            return; // its exit step ran do_exit (RunStep)
        }

        if (t.Process.GroupExiting)
        {
            LeaveForGroupExit(t, "before its next step");
            return;
        }

        // Blocks (or spins in user mode) until every thread is here and it is its turn.
        t.AtEnd = true;
        t.DiagStep = $"thread {t.Name} waits for the end of the run";
        Diag.Step = t.DiagStep;
        // A sibling's exit_group ends the wait too (the signal: an IPI for a spinner in user
        // mode, a wake-up for a sleeper).
        if (t.Spinning)
        {
            Machine.Scheduler.SpinUntil(() => t.Process.GroupExiting || IsTurnToExit(t), "the end of the run");
        }
        else
        {
            Machine.Scheduler.SleepUntil(() => t.Process.GroupExiting || IsTurnToExit(t), "the end of the run");
        }

        if (t.Process.GroupExiting)
        {
            LeaveForGroupExit(t, "at the end of its steps");
            return;
        }

        _atEnd ??= Snapshot();
        t.DiagStep = $"thread {t.Name} exits at the end of the run";
        Diag.Step = t.DiagStep;

        _scheduler.SetUserMode(false);
        ExitThread(t);
    }

    /// <summary>
    /// A thread of a forked process waits (asleep, off its CPU) for its parent's fork step to
    /// return. False: the fork failed, or its thread exited or went past it without forking;
    /// the process is counted once in processes_not_started and its threads just exit.
    /// </summary>
    private bool WaitForFork(SimThread t)
    {
        SimProcess p = t.Process;
        if (p.ForkState == ForkState.Running)
        {
            return true;
        }

        t.DiagStep = $"thread {t.Name} waits for its process to be forked";
        Diag.Step = t.DiagStep;
        Machine.Scheduler.SleepUntil(() => p.ForkState != ForkState.Pending || p.ForkAbandoned, "fork");
        if (p.ForkAbandoned)
        {
            p.ForkState = ForkState.NotStarted;
            Kernel.Counters.Add(Counter.ProcessesNotStarted);
        }

        return p.ForkState == ForkState.Running;
    }

    /// <summary>A sibling of an exit_group caller leaves: back in the kernel (signal delivery), do_exit.</summary>
    private void LeaveForGroupExit(SimThread t, string where)
    {
        t.DiagStep = $"thread {t.Name} exits for its process's exit_group, {where}";
        Diag.Step = t.DiagStep;
        _scheduler.SetUserMode(false);
        ExitThread(t);
    }

    private void RunStep(SimThread t, StepContext ctx)
    {
        ISimStep step = t.Steps[t.NextStep];
        t.DiagStep = $"thread {t.Name} step {t.NextStep + 1} ({step.Op}, line {step.Line})";
        Diag.Step = t.DiagStep;
        Progress?.Invoke(_stepsStarted++, _totalSteps, t.DiagStep);
        var from = new StepStart(t.Name, Machine.Current.Id, step.Op, step.Line, TlbShootdownIpis, Kernel.Counters[Counter.PagesFreed], Kernel.Counters[Counter.PageTablesFreed], Kernel.Counters[Counter.RemoteFlushRounds], Kernel.Counters[Counter.PageFaults]);
        _scheduler.SetUserMode(false);
        Machine.Charge(Machine.Costs.Syscall);
        bool groupExiting = t.Process.GroupExiting;
        step.Execute(ctx);
        bool callsExitGroup = !groupExiting && t.Process.GroupExiting && t.Exited;
        if (callsExitGroup)
        {
            // exit_group: the step is measured until the address space is gone, whichever
            // thread drops the last mm_users reference (the host measures the whole call,
            // teardown included, before the caller is reaped). Its place in the report is
            // where it started; its figures are filled in by the last thread out.
            t.Process.GroupExitStep = (from, _steps.Count);
            _steps.Add(Measure(from));
        }

        if (t.Exited)
        {
            // An exit step: do_exit runs inside the step (exit_mmap for the last thread), so its
            // flushes and frees are the step's, as the host's counters attribute them.
            ExitThread(t);
        }

        _scheduler.SetUserMode(true);
        t.NextStep++;
        if (!callsExitGroup)
        {
            var result = Measure(from);
            _steps.Add(result);
            StepDone?.Invoke(t, result);
        }
    }

    private StepResult Measure(StepStart s) =>
        new(s.Thread, s.Cpu, s.Op, s.Line, TlbShootdownIpis - s.Ipis, Kernel.Counters[Counter.PagesFreed] - s.Pages, Kernel.Counters[Counter.PageTablesFreed] - s.Tables, Kernel.Counters[Counter.RemoteFlushRounds] - s.Rounds, Kernel.Counters[Counter.PageFaults] - s.Faults);

    /// <summary>Every thread has finished or waits at its end, and t is first in line: others before spinners, then file order.</summary>
    private bool IsTurnToExit(SimThread t)
    {
        SimThread? first = null;
        foreach (SimThread u in _threads)
        {
            if (u.State == SimThreadState.Done)
            {
                continue;
            }

            if (!u.AtEnd)
            {
                return false;
            }

            if (first is null || (first.Spinning && !u.Spinning))
            {
                first = u;
            }
        }

        return first == t;
    }

    /// <summary>
    /// do_exit: the last thread of a process tears its address space down. After an
    /// exit_group, that completes the exit_group step's figures (on whichever thread it is).
    /// </summary>
    private void ExitThread(SimThread t)
    {
        t.Exited = true;
        if (t.Process.Mm.Users.DecrementAndGet() == 0)
        {
            Kernel.Mmap.ExitMmap(t.Process.Mm);
            Kernel.MmDrop(t.Process.Mm);
            if (t.Process.GroupExitStep is var (from, slot))
            {
                StepResult result = Measure(from);
                _steps[slot] = result;
                StepDone?.Invoke(t, result);
            }
        }
    }

    private void Teardown()
    {
        Diag.Step = "teardown";
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
            ["max_preempt_off_cycles"] = Machine.Cpus.Max(c => c.MaxPreemptOff),
            ["virtual_cycles"] = Machine.Cpus.Max(c => c.Clock),
        };
        foreach (Counter c in Enum.GetValues<Counter>())
        {
            d[KernelCounters.KeyOf(c)] = Kernel.Counters[c];
        }

        return d;
    }

    /// <summary>Where a step started: who ran it, and the counters then.</summary>
    internal readonly record struct StepStart(string Thread, int Cpu, string Op, int Line, long Ipis, long Pages, long Tables, long Rounds, long Faults);
}
