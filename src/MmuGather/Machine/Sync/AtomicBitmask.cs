namespace MmuGather.Machine.Sync;

/// <summary>A cpumask updated with atomic bit operations (cpumask_set_cpu / cpumask_clear_cpu).</summary>
public sealed class AtomicBitmask(SimMachine machine)
{
    private ulong _bits;

    public ulong Read()
    {
        machine.Charge(machine.Costs.Atomic);
        machine.Scheduler.SchedulingPoint(SchedPoint.Atomic);
        return _bits;
    }

    public bool Test(int bit)
    {
        machine.Charge(machine.Costs.Atomic);
        machine.Scheduler.SchedulingPoint(SchedPoint.Atomic);
        return (_bits & (1UL << bit)) != 0;
    }

    public void Set(int bit)
    {
        machine.Charge(machine.Costs.Atomic);
        machine.Scheduler.SchedulingPoint(SchedPoint.Atomic);
        _bits |= 1UL << bit;
    }

    public void Clear(int bit)
    {
        machine.Charge(machine.Costs.Atomic);
        machine.Scheduler.SchedulingPoint(SchedPoint.Atomic);
        _bits &= ~(1UL << bit);
    }
}
