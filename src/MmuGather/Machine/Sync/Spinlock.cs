namespace MmuGather.Machine.Sync;

/// <summary>
/// spinlock_t: disables preemption while held, so its holder is never switched out; code
/// under it must not sleep (the lock-discipline checker watches MightSleep events). A CPU
/// that finds it held spins, keeping its CPU, until the holder (on another CPU, which the
/// scheduler keeps running) releases it. Misuse (unlock by a non-owner, recursive lock) is
/// a model bug and breaks an invariant.
/// </summary>
public sealed class Spinlock
{
    private readonly SimMachine _machine;
    private readonly Func<bool> _isFree;
    private int _owner = -1;

    public Spinlock(SimMachine machine, string name)
    {
        _machine = machine;
        Name = name;
        _isFree = () => _owner < 0;
    }

    public string Name { get; }

    public bool IsHeld => _owner >= 0;

    public int Owner => _owner;

    public void Lock()
    {
        _machine.PreemptDisable();
        _machine.Charge(_machine.Costs.Atomic);
        _machine.Scheduler.SchedulingPoint(SchedPoint.Spinlock);
        int me = _machine.Current.Id;
        _machine.Diag.Assert(_owner != me, "CPU{0} takes {1} recursively", me, Name);
        if (_owner >= 0)
        {
            _machine.Scheduler.SpinUntil(_isFree, Name);
        }

        _owner = me;
        _machine.Observer.LockAcquired(me, Name, sleeping: false);
    }

    /// <summary>
    /// spin_trylock: take the lock only if it is free now, never spin. Lets a holder of one
    /// lock take a second one against the usual order without risking an ABBA deadlock.
    /// </summary>
    public bool TryLock()
    {
        _machine.PreemptDisable();
        _machine.Charge(_machine.Costs.Atomic);
        _machine.Scheduler.SchedulingPoint(SchedPoint.Spinlock);
        int me = _machine.Current.Id;
        _machine.Diag.Assert(_owner != me, "CPU{0} takes {1} recursively", me, Name);
        if (_owner >= 0)
        {
            _machine.PreemptEnable();
            return false;
        }

        _owner = me;
        _machine.Observer.LockAcquired(me, Name, sleeping: false);
        return true;
    }

    public void Unlock()
    {
        int me = _machine.Current.Id;
        _machine.Diag.Assert(_owner == me, "CPU{0} releases {1} held by CPU{2}", me, Name, _owner);
        _owner = -1;
        _machine.Observer.LockReleased(me, Name, sleeping: false);
        _machine.Charge(_machine.Costs.Atomic);
        _machine.Scheduler.SchedulingPoint(SchedPoint.SpinUnlock);
        _machine.PreemptEnable();
    }

    public void AssertHeld() => _machine.Diag.Assert(_owner == _machine.Current.Id, "{0} must be held by CPU{1}", Name, _machine.Current.Id);
}
