using MmuGather.Machine;

namespace MmuGather.Mm;

/// <summary>
/// RCU (the sched flavour the table-freeing code relies on): a grace period ends once every
/// CPU has passed a quiescent state after it began; a CPU inside rcu_read_lock, or with
/// preemption or interrupts off, is not quiescent. Callbacks queued by call_rcu run after
/// the grace period that follows their queuing.
///
/// <para>Quiescent states are reported by the scheduler: at a context switch, at a return to
/// user mode, at cond_resched outside any read-side section; and a CPU that is idle or in user
/// mode when a grace period starts counts at once (as in nohz: user and idle are extended
/// quiescent states, see <see cref="ExtendedQuiescent"/>). rcu_read_lock disables preemption
/// (the non-preemptible flavour), so a reader is never switched out mid-section.</para>
///
/// <code>
/// CPU0 unhooks table T, call_rcu(free T)     CPU1 gup_fast: irqs off, reads T
///   GP starts: needs QS from CPU0, CPU1         still reading T (not quiescent)
///   CPU0 returns to user: QS                    ... irqs on: QS
///   GP ends: only now is T freed             -> CPU1 never saw T freed under it
/// </code>
/// </summary>
public sealed class Rcu
{
    private const int MaxCallbacks = 1 << 20;

    private readonly SimMachine _machine;
    private readonly KernelCounters _counters;
    private readonly int[] _readNesting;
    private readonly Queue<(long Gp, Action Callback)> _callbacks = new();
    private ulong _qsNeeded;
    private bool _gpInProgress;

    public Rcu(SimMachine machine, KernelCounters counters)
    {
        _machine = machine;
        _counters = counters;
        _readNesting = new int[machine.Cpus.Count];
    }

    /// <summary>Set by an interleaving scheduler: is the CPU idle or in user mode right now?</summary>
    public Func<int, bool>? ExtendedQuiescent { get; set; }

    /// <summary>Grace periods completed so far.</summary>
    public long Completed { get; private set; }

    public int PendingCallbacks => _callbacks.Count;

    public void ReadLock()
    {
        _machine.Scheduler.SchedulingPoint(SchedPoint.RcuReadLock);
        _machine.PreemptDisable();
        _readNesting[_machine.Current.Id]++;
    }

    public void ReadUnlock()
    {
        int cpu = _machine.Current.Id;
        _machine.Diag.Assert(_readNesting[cpu] > 0, "rcu_read_unlock on CPU{0} outside a read-side section", cpu);
        _readNesting[cpu]--;
        _machine.PreemptEnable();
        _machine.Scheduler.SchedulingPoint(SchedPoint.RcuReadUnlock);
    }

    /// <summary>call_rcu: run <paramref name="callback"/> after a full grace period.</summary>
    public void CallRcu(Action callback)
    {
        _machine.Diag.Assert(_callbacks.Count < MaxCallbacks, "RCU callback queue exceeds its bound");

        // A grace period already running may have seen this CPU's quiescent state before the
        // callback was queued, so the callback waits for the next one.
        long gp = Completed + (_gpInProgress ? 2 : 1);
        _callbacks.Enqueue((gp, callback));
        if (!_gpInProgress)
        {
            StartGracePeriod();
        }
    }

    /// <summary>synchronize_rcu: may sleep; returns after a full grace period.</summary>
    public void Synchronize()
    {
        Cpu cpu = _machine.Current;
        _machine.Observer.MightSleep(cpu.Id, cpu.PreemptCount, !cpu.IrqsEnabled, "synchronize_rcu");
        long target = Completed + (_gpInProgress ? 2 : 1);
        if (_machine.Scheduler.Interleaves)
        {
            if (!_gpInProgress)
            {
                StartGracePeriod();
            }

            // Sleeping switches this CPU out: that is its quiescent state.
            _machine.Scheduler.SleepUntil(() => Completed >= target, "synchronize_rcu");
            return;
        }

        int bound = 4;
        while (Completed < target && bound-- > 0)
        {
            if (!_gpInProgress)
            {
                StartGracePeriod();
            }

            // Sleeping is a quiescent state for the caller; every other CPU is between steps.
            ReportAllQuiescent();
        }

        _machine.Diag.Assert(Completed >= target, "synchronize_rcu could not end a grace period: a CPU stays in a read-side section");
    }

    /// <summary>A CPU passed a quiescent state (context switch, user mode, idle).</summary>
    public void QuiescentState(int cpu)
    {
        if (!_gpInProgress || !IsQuiescent(cpu))
        {
            return;
        }

        _qsNeeded &= ~(1UL << cpu);
        if (_qsNeeded == 0)
        {
            EndGracePeriod();
        }
    }

    /// <summary>Every CPU reports a quiescent state if it can (the sequential scheduler's step boundary).</summary>
    public void ReportAllQuiescent()
    {
        for (int i = 0; i < _machine.Cpus.Count && _gpInProgress; i++)
        {
            QuiescentState(i);
        }
    }

    /// <summary>rcu_barrier: wait until every queued callback has run.</summary>
    public void Barrier()
    {
        int bound = 64;
        while ((_callbacks.Count > 0 || _gpInProgress) && bound-- > 0)
        {
            if (!_gpInProgress)
            {
                StartGracePeriod();
            }

            ReportAllQuiescent();
        }

        _machine.Diag.Assert(_callbacks.Count == 0, "rcu_barrier left callbacks queued: a CPU never became quiescent");
    }

    private bool IsQuiescent(int cpu)
    {
        Cpu c = _machine.Cpus[cpu];
        return _readNesting[cpu] == 0 && c.PreemptCount == 0 && c.IrqsEnabled;
    }

    private void StartGracePeriod()
    {
        _gpInProgress = true;
        _qsNeeded = _machine.Cpus.Count == 64 ? ulong.MaxValue : (1UL << _machine.Cpus.Count) - 1;
        if (ExtendedQuiescent is { } idleOrUser)
        {
            for (int cpu = 0; cpu < _machine.Cpus.Count; cpu++)
            {
                if (idleOrUser(cpu) && _readNesting[cpu] == 0)
                {
                    _qsNeeded &= ~(1UL << cpu);
                }
            }

            if (_qsNeeded == 0)
            {
                EndGracePeriod();
            }
        }
    }

    private void EndGracePeriod()
    {
        _gpInProgress = false;
        Completed++;
        _counters.Add(Counter.RcuGracePeriods);

        // Callbacks run in softirq context on the CPU that ended the grace period.
        while (_callbacks.Count > 0 && _callbacks.Peek().Gp <= Completed)
        {
            _callbacks.Dequeue().Callback();
        }

        if (_callbacks.Count > 0)
        {
            StartGracePeriod();
        }
    }
}
