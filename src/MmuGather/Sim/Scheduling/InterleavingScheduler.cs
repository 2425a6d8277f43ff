using System.Runtime.ExceptionServices;
using MmuGather.Machine;
using MmuGather.Mm;

namespace MmuGather.Sim.Scheduling;

/// <summary>
/// The deterministic multi-CPU scheduler. Exactly one simulated CPU executes at a time; at
/// every scheduling point (each lock, atomic, IPI, preemption point, user access) the
/// strategy picks what happens next among the legal choices:
/// <list type="bullet">
/// <item>run the thread on some CPU until its next scheduling point;</item>
/// <item>let a CPU whose interrupts are on take its pending IPIs (a CPU inside an
/// interrupts-off section is never interrupted);</item>
/// <item>put a runnable thread without a CPU (woken, preempted, new) on a free CPU it may
/// use: it may come back on a different CPU than it left (migration);</item>
/// <item>preempt the running thread, only at a preemption point with preemption and
/// interrupts on: a spinlock holder is never preempted.</item>
/// </list>
/// A spinning waiter keeps its CPU and a sleeping one leaves it; neither is run until its
/// condition holds. The strategy's randomness comes from the seed only, and the host
/// threads that carry the simulated stacks hand a single baton around, so the same scenario
/// and seed give the same run, event for event.
///
/// <para>RCU's quiescent states come from here: a CPU that is idle, or whose thread is in
/// user mode, is quiescent; so is a context switch and a preemptible cond_resched.</para>
/// </summary>
public sealed class InterleavingScheduler : IScheduler, ISchedView
{
    /// <summary>Legal choices at one point: every CPU delivers, and every thread is placed or run.</summary>
    private const int MaxActionsPerPoint = 1 << 12;

    private readonly SimMachine _machine;
    private readonly ISchedStrategy _strategy;
    private readonly long _maxPoints;
    private readonly bool _preemption;
    private readonly List<SchedChoice> _choices = [];
    private readonly SortedDictionary<string, long> _sleepsOn = new(StringComparer.Ordinal);
    private readonly Baton _finished = new();
    private readonly CarrierPool _pool;
    private readonly bool _ownsPool;
    private int _carriersBusy;
    private Kernel? _kernel;
    private SimThread[] _threads = [];
    private SimThread?[] _onCpu = [];
    private SimThread? _current;
    private SchedPoint _point;
    private bool _active;
    private int _internal;
    private volatile bool _aborting;
    private ExceptionDispatchInfo? _failure;
    private int _done;

    /// <param name="machine">The machine whose CPUs are scheduled.</param>
    /// <param name="strategy">Who picks.</param>
    /// <param name="maxPoints">The bound on scheduling points in one run (a livelock guard).</param>
    /// <param name="preemption">Offer preemption (and so migration) at preemption points.</param>
    /// <param name="pool">Carriers to reuse (null: a private pool, retired after the run).</param>
    public InterleavingScheduler(SimMachine machine, ISchedStrategy strategy, long maxPoints, bool preemption, CarrierPool? pool = null)
    {
        _pool = pool ?? new CarrierPool();
        _ownsPool = pool is null;
        _machine = machine;
        _strategy = strategy;
        _maxPoints = maxPoints;
        _preemption = preemption;
    }

    public bool Interleaves => _active;

    public long Points { get; private set; }

    /// <summary>Points where the strategy had a real choice (two or more options): PCT's steps.</summary>
    public long Decisions { get; private set; }

    /// <summary>Hand-overs between simulated threads (host context switches).</summary>
    public long Switches { get; private set; }

    /// <summary>Threads preempted at a preemption point, and those that came back on another CPU.</summary>
    public long Preemptions { get; private set; }

    public long Migrations { get; private set; }

    /// <summary>Waits that left the CPU (a mutex, an rwsem, a grace period, a region not mapped yet).</summary>
    public long Sleeps { get; private set; }

    /// <summary>Those waits by what they waited for (a lock's name, "synchronize_rcu", ...).</summary>
    public IReadOnlyDictionary<string, long> SleepsOn => _sleepsOn;

    public int CurrentThread => _current?.Id ?? -1;

    public SchedPoint Point => _point;

    public bool ThreadWaitingForCpu
    {
        get
        {
            // Someone runnable may use the current thread's CPU and has no free CPU of its own.
            if (_current is not { OnCpu: >= 0 } self)
            {
                return false;
            }

            foreach (SimThread t in _threads)
            {
                // An evicted user-mode spinner whose condition is false needs no CPU to wait.
                bool runnable = t.WaitReady is { } w ? (t.State is SimThreadState.Ready or SimThreadState.Sleeping) && w() : t.State == SimThreadState.Ready;
                if (t != self && runnable && (t.AllowedCpus & (1UL << self.OnCpu)) != 0 && !HasFreeCpu(t))
                {
                    return true;
                }
            }

            return false;
        }
    }

    public long Clock(int cpu) => _machine.Cpus[cpu].Clock;

    private Kernel Kernel => _kernel!;

    // ------------------------------------------------------------------ running

    /// <summary>
    /// Runs every thread's <paramref name="body"/> to completion on its own carrier, with
    /// the calling thread waiting; rethrows the first failure of any of them.
    /// </summary>
    internal void RunAll(Kernel kernel, IReadOnlyList<SimThread> threads, Action<SimThread> body)
    {
        _kernel = kernel;
        _threads = [.. threads];
        _onCpu = new SimThread?[_machine.Cpus.Count];
        kernel.Rcu.ExtendedQuiescent = IsIdleOrUser;
        _strategy.Start(_threads.Length, _onCpu.Length);
        _carriersBusy = _threads.Length;
        foreach (SimThread t in _threads)
        {
            t.Carrier = _pool.Rent();
            t.Carrier.Begin(() => CarrierMain(t, body));
        }

        _active = true;
        if (_threads.Length > 0)
        {
            _current = null;
            try
            {
                Reschedule(null);
            }
            catch (Exception e)
            {
                Abort(ExceptionDispatchInfo.Capture(e));
            }

            _finished.Take(); // the last carrier to leave its work says so
        }

        _active = false;
        foreach (SimThread t in _threads)
        {
            _pool.Return(t.Carrier!);
            t.Carrier = null;
        }

        if (_ownsPool)
        {
            _pool.Dispose();
        }

        _current = null;
        _failure?.Throw();
    }

    private void CarrierMain(SimThread t, Action<SimThread> body)
    {
        try
        {
            t.Carrier!.Park();
            if (!_aborting)
            {
                body(t);
                ThreadExits(t);
            }
        }
        catch (SimulationAbortedException)
        {
            // Another thread failed; this one just unwinds.
        }
        catch (Exception e)
        {
            Abort(ExceptionDispatchInfo.Capture(e));
        }
        finally
        {
            if (Interlocked.Decrement(ref _carriersBusy) == 0)
            {
                _finished.Give();
            }
        }
    }

    private void ThreadExits(SimThread t)
    {
        _internal++;
        LeaveCpu(t);
        t.State = SimThreadState.Done;
        _current = null;
        _internal--;
        if (++_done == _threads.Length)
        {
            return;
        }

        Reschedule(null);
    }

    private void Abort(ExceptionDispatchInfo failure)
    {
        if (_failure is not null)
        {
            return;
        }

        _failure = failure;
        _aborting = true;
        foreach (SimThread t in _threads)
        {
            if (t != _current && t.State != SimThreadState.Done)
            {
                t.Carrier!.Resume();
            }
        }
    }

    // ------------------------------------------------------------------ IScheduler

    public void SchedulingPoint(SchedPoint point)
    {
        if (!_active || _internal > 0)
        {
            return;
        }

        SimThread self = Self();
        _point = point;
        ReportQuiescence(self, point);
        Reschedule(self);
    }

    public void SpinUntil(Func<bool> ready, string what) => Wait(ready, what, sleep: false);

    public void SleepUntil(Func<bool> ready, string what) => Wait(ready, what, sleep: true);

    /// <summary>Spinning keeps the CPU; sleeping leaves it (a context switch) until the condition holds.</summary>
    private void Wait(Func<bool> ready, string what, bool sleep)
    {
        if (!_active || _internal > 0)
        {
            Require(ready, what);
            return;
        }

        SimThread self = Self();
        if (ready())
        {
            return;
        }

        if (sleep)
        {
            Sleeps++;
            _sleepsOn[what] = _sleepsOn.GetValueOrDefault(what) + 1;
            _machine.Diag.Assert(_machine.Current.PreemptCount == 0, "{0} sleeps for {1} with preemption disabled", self.Name, what);
            _internal++;
            LeaveCpu(self);
            _internal--;
        }

        self.State = sleep ? SimThreadState.Sleeping : SimThreadState.Spinning;
        self.WaitReady = ready;
        self.WaitingFor = what;
        _point = SchedPoint.Sleep;
        Reschedule(self);
    }

    /// <summary>Marks whether the running thread is in user mode (a quiescent state) from now on.</summary>
    internal void SetUserMode(bool user)
    {
        if (_current is { } t)
        {
            t.InUser = user;
        }
    }

    private void Require(Func<bool> ready, string what)
    {
        if (!ready())
        {
            _machine.Diag.Fail($"waits for {what} where nothing else can run");
        }
    }

    private SimThread Self()
    {
        if (_aborting)
        {
            throw new SimulationAbortedException();
        }

        SimThread? self = _current;
        _machine.Diag.Assert(self is not null, "a scheduling point outside any simulated thread");
        if (++Points > _maxPoints)
        {
            _machine.Diag.Fail($"the run exceeded {_maxPoints} scheduling points (a livelock, or raise the bound)");
        }

        return self;
    }

    // ------------------------------------------------------------------ deciding

    /// <summary>
    /// Takes actions until some thread is chosen to run; if that is not <paramref name="self"/>,
    /// hands it the baton and parks until someone picks self again.
    /// </summary>
    private void Reschedule(SimThread? self)
    {
        AssertInvariants();
        for (int actions = 0; ; actions++)
        {
            BuildChoices(self);
            if (actions >= MaxActionsPerPoint)
            {
                _machine.Diag.Fail($"{actions} actions at one scheduling point without running a thread; choices now: {string.Join(", ", _choices)}; {DescribeWaits()}");
            }

            if (_choices.Count == 0)
            {
                _machine.Diag.Fail($"deadlock: no thread can run ({DescribeWaits()})");
            }

            if (_choices.Count > 1)
            {
                Decisions++;
            }

            int pick = _choices.Count == 1 ? 0 : _strategy.Choose(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_choices), this);
            SchedChoice c = _choices[pick];
            switch (c.Kind)
            {
                case ChoiceKind.Deliver:
                    _internal++;
                    _machine.DeliverPendingIpis(_machine.Cpus[c.Cpu]);
                    _internal--;
                    break;
                case ChoiceKind.Place:
                    _internal++;
                    Place(_threads[c.Thread], c.Cpu);
                    _internal--;
                    break;
                case ChoiceKind.Preempt:
                    Preemptions++;
                    _internal++;
                    LeaveCpu(self!);
                    _internal--;
                    self!.State = SimThreadState.Ready;
                    break;
                case ChoiceKind.Run:
                    HandOver(self, _threads[c.Thread]);
                    return;
            }
        }
    }

    private void BuildChoices(SimThread? self)
    {
        _choices.Clear();
        IReadOnlyList<Cpu> cpus = _machine.Cpus;
        for (int i = 0; i < cpus.Count; i++)
        {
            if (cpus[i].PendingIpis > 0 && cpus[i].IrqsEnabled)
            {
                _choices.Add(new SchedChoice(ChoiceKind.Deliver, -1, i));
            }
        }

        foreach (SimThread t in _threads)
        {
            bool placeable = t.State == SimThreadState.Ready || (t.State == SimThreadState.Sleeping && t.WaitReady!());
            if (!placeable)
            {
                continue;
            }

            bool userSpinner = t.State == SimThreadState.Ready && t.WaitReady is { } w && !w();
            for (int cpu = 0; cpu < _onCpu.Length; cpu++)
            {
                if ((t.AllowedCpus & (1UL << cpu)) != 0 && (_onCpu[cpu] is null || (!userSpinner && IsUserSpinner(_onCpu[cpu]!))))
                {
                    _choices.Add(new SchedChoice(ChoiceKind.Place, t.Id, cpu));
                }
            }
        }

        foreach (SimThread t in _threads)
        {
            if (t.State == SimThreadState.OnCpu || (t.State == SimThreadState.Spinning && t.WaitReady!()))
            {
                _choices.Add(new SchedChoice(ChoiceKind.Run, t.Id, t.OnCpu));
            }
        }

        if (_preemption && self is { State: SimThreadState.OnCpu } && IsPreemptionPoint(_point) && Preemptible(self) && _choices.Count > 0)
        {
            _choices.Add(new SchedChoice(ChoiceKind.Preempt, self.Id, self.OnCpu));
        }
    }

    private static bool IsPreemptionPoint(SchedPoint p) =>
        p is SchedPoint.CondResched or SchedPoint.PreemptEnable or SchedPoint.UserAccess or SchedPoint.StepBoundary;

    private bool Preemptible(SimThread t)
    {
        Cpu cpu = _machine.Cpus[t.OnCpu];
        return cpu.PreemptCount == 0 && cpu.IrqsEnabled;
    }

    /// <summary>Makes <paramref name="next"/> the executing thread; parks <paramref name="self"/> if it is another.</summary>
    private void HandOver(SimThread? self, SimThread next)
    {
        Cpu cpu = _machine.Cpus[next.OnCpu];
        long now = _machine.Current.Clock;
        if (next.State == SimThreadState.Spinning || _strategy.SerialTime)
        {
            // A waiter resumes when the event it waited for happened; in a serial timeline
            // every CPU resumes where the previous one stopped.
            cpu.Clock = Math.Max(cpu.Clock, now);
        }

        next.State = SimThreadState.OnCpu;
        next.WaitReady = null;
        next.WaitingFor = null;
        _machine.SwitchTo(cpu);
        _machine.Diag.Step = next.DiagStep;
        _current = next;
        if (next == self)
        {
            return;
        }

        Switches++;
        next.Carrier!.Resume();
        if (self is null || self.State == SimThreadState.Done)
        {
            return;
        }

        self.Carrier!.Park();
        if (_aborting)
        {
            throw new SimulationAbortedException();
        }
    }

    // ------------------------------------------------------------------ CPUs

    /// <summary>Context switch on <paramref name="cpu"/> to <paramref name="t"/>'s mm.</summary>
    private void Place(SimThread t, int cpu)
    {
        if (_onCpu[cpu] is { } spinner)
        {
            // A thread spinning in user mode yields its CPU to kernel work, and keeps
            // spinning when it is put back on a CPU later.
            _machine.Diag.Assert(IsUserSpinner(spinner), "CPU{0} is not free for {1}", cpu, t.Name);
            LeaveCpu(spinner);
            spinner.State = SimThreadState.Ready;
        }

        if (t.OnCpu != cpu && t.NextStep > 0 && t.Cpu != cpu)
        {
            Migrations++;
        }

        bool resumesSpinning = t.State == SimThreadState.Ready && t.WaitReady is not null;
        if (!resumesSpinning)
        {
            t.WaitReady = null;
            t.WaitingFor = null;
        }

        Cpu c = _machine.Cpus[cpu];
        c.Clock = Math.Max(c.Clock, _machine.Current.Clock);
        _onCpu[cpu] = t;
        t.OnCpu = cpu;
        t.State = resumesSpinning ? SimThreadState.Spinning : SimThreadState.OnCpu;
        _machine.SwitchTo(c);
        _machine.Charge(_machine.Costs.ContextSwitch);
        Kernel.ContextSwitch(t.Process.Mm);
        _machine.Observer.ThreadOnCpu(cpu, t.Name);
        Kernel.Rcu.QuiescentState(cpu);
    }

    /// <summary>The thread gives its CPU up: the CPU idles, keeping the mm lazily.</summary>
    private void LeaveCpu(SimThread t)
    {
        int cpu = t.OnCpu;
        if (cpu < 0)
        {
            return;
        }

        Cpu prev = _machine.Current;
        _machine.SwitchTo(_machine.Cpus[cpu]);
        _machine.Diag.Assert(_machine.Current.PreemptCount == 0, "{0} leaves CPU{1} with preemption disabled", t.Name, cpu);
        _onCpu[cpu] = null;
        t.OnCpu = -1;
        _machine.Charge(_machine.Costs.ContextSwitch);
        Kernel.ContextSwitch(null);
        _machine.Observer.ThreadOnCpu(cpu, null);
        Kernel.Rcu.QuiescentState(cpu);
        _machine.SwitchTo(prev);
    }

    private bool HasFreeCpu(SimThread t)
    {
        for (int cpu = 0; cpu < _onCpu.Length; cpu++)
        {
            if ((t.AllowedCpus & (1UL << cpu)) != 0 && _onCpu[cpu] is null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A thread spinning in user mode whose condition does not hold yet: its CPU may be taken.
    /// One whose condition holds is about to run (a signal took it back into the kernel, as a
    /// sibling's exit_group does to every spinner of the process at once); evicting it would
    /// let two such spinners on one CPU take it from each other forever.
    /// </summary>
    private static bool IsUserSpinner(SimThread t) => t.State == SimThreadState.Spinning && t.InUser && !t.WaitReady!();

    private bool IsIdleOrUser(int cpu) => _onCpu[cpu] is not { } t || t.InUser;

    private void ReportQuiescence(SimThread self, SchedPoint point)
    {
        if (point is SchedPoint.UserAccess or SchedPoint.StepBoundary or SchedPoint.CondResched)
        {
            _internal++;
            Kernel.Rcu.QuiescentState(self.OnCpu);
            _internal--;
        }
    }

    /// <summary>Each CPU holds at most one thread, and the thread agrees; only threads on a CPU run or spin.</summary>
    [System.Diagnostics.Conditional("DEBUG")]
    private void AssertInvariants()
    {
        for (int cpu = 0; cpu < _onCpu.Length; cpu++)
        {
            _machine.Diag.Assert(_onCpu[cpu] is not { } t || t.OnCpu == cpu, "CPU{0} holds a thread that believes it is elsewhere", cpu);
        }

        foreach (SimThread t in _threads)
        {
            bool onCpu = t.State is SimThreadState.OnCpu or SimThreadState.Spinning;
            _machine.Diag.Assert(onCpu == (t.OnCpu >= 0), "{0} is {1} but OnCpu is {2}", t.Name, t.State, t.OnCpu);
            _machine.Diag.Assert(t.OnCpu < 0 || _onCpu[t.OnCpu] == t, "{0} is on CPU{1}, which does not hold it", t.Name, t.OnCpu);
            _machine.Diag.Assert(t.State != SimThreadState.Sleeping || t.WaitReady is not null, "{0} sleeps on nothing", t.Name);
        }
    }

    private string DescribeWaits() =>
        string.Join("; ", _threads.Where(t => t.State != SimThreadState.Done).Select(t => $"{t.Name} {t.State}{(t.WaitingFor is { } w ? $" on {w}" : "")}"));
}
