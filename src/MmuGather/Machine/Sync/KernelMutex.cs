namespace MmuGather.Machine.Sync;

/// <summary>struct mutex: a sleeping lock (i_mmap_rwsem's writer side, the 2011 series' mutexes).</summary>
public sealed class KernelMutex(SimMachine machine, string name)
{
    private int _owner = -1;

    public string Name { get; } = name;

    public void Lock()
    {
        Cpu cpu = machine.Current;
        machine.Observer.MightSleep(cpu.Id, cpu.PreemptCount, !cpu.IrqsEnabled, $"mutex_lock({Name})");
        machine.Scheduler.SchedulingPoint(SchedPoint.Sleep);
        machine.Diag.Assert(_owner < 0, "mutex_lock({0}) while CPU{1} holds it and nothing can run the owner", Name, _owner);
        _owner = machine.Current.Id;
    }

    public void Unlock()
    {
        machine.Diag.Assert(_owner >= 0, "mutex_unlock({0}) not held", Name);
        _owner = -1;
        machine.Scheduler.SchedulingPoint(SchedPoint.Wake);
    }
}
