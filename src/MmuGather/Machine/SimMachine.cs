namespace MmuGather.Machine;

/// <summary>
/// The simulated hardware: physical memory, CPUs with their TLBs and walk caches, the
/// interrupt fabric, and which CPU is executing right now. Exactly one CPU executes at a
/// time; an interrupt handler runs with <see cref="Current"/> switched to its target CPU.
/// </summary>
public sealed class SimMachine
{
    private readonly Cpu[] _cpus;

    public SimMachine(MachineOptions options, AllocFailurePlan failures, Observer observer, Diagnostics diag, IScheduler scheduler)
    {
        if (options.Cpus is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Cpus, "CPU count must be 1..64");
        }

        Options = options;
        Geometry = options.Geometry;
        Observer = observer;
        Diag = diag;
        Scheduler = scheduler;
        Memory = new PhysicalMemory(options.MemoryBytes, Geometry, failures, observer, diag);
        int hugeShift = Geometry.EntryShift(1);
        _cpus = new Cpu[options.Cpus];
        for (int i = 0; i < _cpus.Length; i++)
        {
            _cpus[i] = new Cpu(
                i,
                new Tlb(i, options.TlbEntries, options.TlbWays, Geometry.PageShift, hugeShift, observer),
                new WalkCache(options.WalkCacheEntries, Geometry));
        }

        Current = _cpus[0];
        Walker = new HardwareWalker(this);
    }

    public MachineOptions Options { get; }

    public Geometry Geometry { get; }

    public PhysicalMemory Memory { get; }

    public Observer Observer { get; }

    public Diagnostics Diag { get; }

    public IScheduler Scheduler { get; set; }

    public HardwareWalker Walker { get; }

    /// <summary>The MMU's refill source after a TLB miss; null: the radix walk of <see cref="Walker"/>.</summary>
    public ITlbRefill? TlbRefill { get; set; }

    public IReadOnlyList<Cpu> Cpus => _cpus;

    /// <summary>The CPU executing now (smp_processor_id()).</summary>
    public Cpu Current { get; private set; }

    /// <summary>Makes <paramref name="cpu"/> the executing CPU (the scheduler's context switch).</summary>
    public void SwitchTo(Cpu cpu) => Current = cpu;

    /// <summary>Writes the translation root register of the current CPU (CR3 / TTBR0).</summary>
    public void LoadTranslationRoot(int asid, int rootPfn)
    {
        Current.LoadedAsid = asid;
        Current.LoadedRoot = rootPfn;
        Observer.AsidLoaded(Current.Id, asid);
    }

    /// <summary>The cycle costs charged by <see cref="Charge"/>.</summary>
    public CostModel Costs => Options.Costs;

    /// <summary>Advances the executing CPU's virtual clock by <paramref name="cycles"/>.</summary>
    public void Charge(long cycles) => Current.Clock += cycles;

    public void PreemptDisable() => Current.PreemptDisable();

    public void PreemptEnable()
    {
        Diag.Assert(Current.PreemptCount > 0, "preempt_enable on CPU{0} with preempt count 0", Current.Id);
        if (Current.PreemptEnable() == 0)
        {
            Scheduler.SchedulingPoint(SchedPoint.PreemptEnable);
        }
    }

    /// <summary>local_irq_save: returns the previous state for <see cref="LocalIrqRestore"/>.</summary>
    public bool LocalIrqSave()
    {
        bool was = Current.IrqsEnabled;
        Current.IrqsEnabled = false;
        return was;
    }

    /// <summary>local_irq_restore: interrupts that arrived meanwhile are taken at once.</summary>
    public void LocalIrqRestore(bool wasEnabled)
    {
        Current.IrqsEnabled = wasEnabled;
        if (wasEnabled)
        {
            DeliverPendingIpis(Current);
            Scheduler.SchedulingPoint(SchedPoint.IrqEnable);
        }
    }

    /// <summary>
    /// Sends an IPI of <paramref name="kind"/> to every CPU in <paramref name="targets"/> except
    /// the sender and waits (spinning, interrupts on) until each has run <paramref name="handler"/>.
    /// A target takes the interrupt only while its interrupts are enabled: a CPU inside an
    /// interrupts-off section (gup_fast) holds the sender up until it leaves it. The sender's
    /// clock resumes at the last acknowledgement.
    /// </summary>
    public void SendIpiAndWait(IpiKind kind, ulong targets, Action<Cpu> handler)
    {
        Cpu sender = Current;
        Diag.Assert(sender.IrqsEnabled, "CPU{0} sends an IPI and waits with interrupts off: that deadlocks", sender.Id);
        Scheduler.SchedulingPoint(SchedPoint.IpiSend);
        targets &= ~(1UL << sender.Id);
        for (int i = 0; i < _cpus.Length; i++)
        {
            if ((targets & (1UL << i)) == 0)
            {
                continue;
            }

            Charge(Costs.IpiSend);
            Cpu target = _cpus[i];
            Diag.Assert(target.QueueIpi(sender.Id, kind, handler, sender.Clock), "CPU{0} has {1} IPIs pending: the queue bound is broken", i, Cpu.MaxPendingIpis);
            Observer.IpiSent(sender.Id, i, kind);
            if (!Scheduler.Interleaves && target.IrqsEnabled)
            {
                DeliverPendingIpis(target);
            }
        }

        if (targets != 0)
        {
            Scheduler.SpinUntil(() => AllAcknowledged(targets), "IPI acknowledgements");
            for (int i = 0; i < _cpus.Length; i++)
            {
                if ((targets & (1UL << i)) != 0)
                {
                    sender.Clock = Math.Max(sender.Clock, _cpus[i].LastIpiHandledAt);
                }
            }
        }
    }

    /// <summary>
    /// Runs every interrupt pending on <paramref name="target"/> now, with <see cref="Current"/>
    /// switched to it and its interrupts off; the scheduler calls this when it lets an
    /// interrupt in. Returns how many were taken.
    /// </summary>
    public int DeliverPendingIpis(Cpu target)
    {
        Diag.Assert(target.IrqsEnabled, "interrupt delivered to CPU{0} with interrupts off", target.Id);
        Cpu interrupted = Current;
        int taken = 0;
        while (target.TryDequeueIpi(out var ipi))
        {
            Current = target;
            target.IrqsEnabled = false; // handlers run with interrupts off
            target.Clock = Math.Max(target.Clock, ipi.SentAt + Costs.IpiLatency) + Costs.IpiHandler;
            target.CountIpi(ipi.Kind);
            Observer.IpiDelivered(ipi.From, target.Id, ipi.Kind);
            target.IpisInService++;
            ipi.Handler(target);
            target.IpisInService--;
            target.LastIpiHandledAt = target.Clock;
            target.IrqsEnabled = true;
            taken++;
        }

        Current = interrupted;
        return taken;
    }

    /// <summary>
    /// Whether every target has run its handler to the end, as smp_call_function_many_cond
    /// waits for each csd to be unlocked after its callback returned. Taking the IPI off the
    /// queue is not enough:
    ///   CPU1 (gup_fast)                 CPU0 (munmap)
    ///   local_irq_restore -> handler
    ///     reads an atomic (switch)  ->  sees the queue empty, frees the pages
    ///     invalidates, too late
    /// </summary>
    private bool AllAcknowledged(ulong targets)
    {
        for (int i = 0; i < _cpus.Length; i++)
        {
            if ((targets & (1UL << i)) != 0 && (_cpus[i].PendingIpis != 0 || _cpus[i].IpisInService != 0))
            {
                return false;
            }
        }

        return true;
    }
}
