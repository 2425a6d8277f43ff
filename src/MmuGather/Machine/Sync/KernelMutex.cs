namespace MmuGather.Machine.Sync;

/// <summary>
/// struct mutex: a sleeping lock (i_mmap_rwsem's writer side, the 2011 series' mutexes). A
/// contender leaves its CPU and is woken when the lock is free; the holder may itself sleep
/// or be preempted and migrate, so ownership is not tied to a CPU.
/// </summary>
public sealed class KernelMutex
{
    private readonly SimMachine _machine;
    private readonly Func<bool> _isFree;
    private bool _held;

    public KernelMutex(SimMachine machine, string name)
    {
        _machine = machine;
        Name = name;
        _isFree = () => !_held;
    }

    public string Name { get; }

    public void Lock()
    {
        Cpu cpu = _machine.Current;
        _machine.Observer.MightSleep(cpu.Id, cpu.PreemptCount, !cpu.IrqsEnabled, $"mutex_lock({Name})");
        _machine.Charge(_machine.Costs.Atomic);
        _machine.Scheduler.SchedulingPoint(SchedPoint.Sleep);
        for (int attempt = 0; _held; attempt++)
        {
            // Woken with the lock free, but another waiter may take it first: try again.
            _machine.Diag.Assert(attempt < RwSemaphore.MaxWakeups, "mutex_lock({0}) woken {1} times without getting it", Name, attempt);
            _machine.Scheduler.SleepUntil(_isFree, Name);
        }

        _held = true;
        _machine.Observer.LockAcquired(_machine.Current.Id, Name, sleeping: true);
    }

    public void Unlock()
    {
        _machine.Diag.Assert(_held, "mutex_unlock({0}) not held", Name);
        _held = false;
        _machine.Observer.LockReleased(_machine.Current.Id, Name, sleeping: true);
        _machine.Scheduler.SchedulingPoint(SchedPoint.Wake);
    }
}
