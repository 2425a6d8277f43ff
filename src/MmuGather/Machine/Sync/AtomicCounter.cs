namespace MmuGather.Machine.Sync;

/// <summary>atomic_t / atomic64_t: each operation is one indivisible step and a scheduling point.</summary>
public sealed class AtomicCounter(SimMachine machine, long initial = 0)
{
    private long _value = initial;

    public long Read()
    {
        machine.Charge(machine.Costs.Atomic);
        machine.Scheduler.SchedulingPoint(SchedPoint.Atomic);
        return _value;
    }

    public long IncrementAndGet()
    {
        machine.Charge(machine.Costs.Atomic);
        machine.Scheduler.SchedulingPoint(SchedPoint.Atomic);
        return ++_value;
    }

    public long DecrementAndGet()
    {
        machine.Charge(machine.Costs.Atomic);
        machine.Scheduler.SchedulingPoint(SchedPoint.Atomic);
        return --_value;
    }
}
