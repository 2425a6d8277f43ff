namespace MmuGather.Machine.Sync;

/// <summary>
/// spinlock_t: disables preemption while held, so its holder is never switched out; code
/// under it must not sleep (the lock-discipline checker watches MightSleep events).
/// Misuse (unlock by a non-owner, recursive lock) is a model bug and breaks an invariant.
/// </summary>
public sealed class Spinlock(SimMachine machine, string name)
{
    private int _owner = -1;

    public string Name { get; } = name;

    public bool IsHeld => _owner >= 0;

    public int Owner => _owner;

    public void Lock()
    {
        machine.PreemptDisable();
        machine.Scheduler.SchedulingPoint(SchedPoint.Spinlock);
        int me = machine.Current.Id;
        machine.Diag.Assert(_owner != me, "CPU{0} takes {1} recursively", me, Name);
        machine.Diag.Assert(_owner < 0, "CPU{0} spins on {1} held by CPU{2} with no scheduler to run the holder", me, Name, _owner);
        _owner = me;
    }

    public void Unlock()
    {
        int me = machine.Current.Id;
        machine.Diag.Assert(_owner == me, "CPU{0} releases {1} held by CPU{2}", me, Name, _owner);
        _owner = -1;
        machine.Scheduler.SchedulingPoint(SchedPoint.SpinUnlock);
        machine.PreemptEnable();
    }

    public void AssertHeld() => machine.Diag.Assert(_owner == machine.Current.Id, "{0} must be held by CPU{1}", Name, machine.Current.Id);
}
