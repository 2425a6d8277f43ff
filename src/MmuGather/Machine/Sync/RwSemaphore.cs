namespace MmuGather.Machine.Sync;

/// <summary>
/// rw_semaphore (the mmap lock): many readers or one writer; acquiring may sleep. Readers
/// and writers are counted so that a downgrade (write to read, as munmap does before it
/// zaps) and parallel readers (madvise alongside munmap) are represented exactly.
/// </summary>
public sealed class RwSemaphore
{
    /// <summary>A waiter that loses the lock this many times in a row breaks an invariant (every wait is bounded).</summary>
    public const int MaxWakeups = 100_000;

    private readonly SimMachine _machine;
    private readonly Func<bool> _readable;
    private readonly Func<bool> _writable;
    private int _readers;
    private bool _writer;

    public RwSemaphore(SimMachine machine, string name)
    {
        _machine = machine;
        Name = name;
        _readable = () => !_writer;
        _writable = () => !_writer && _readers == 0;
    }

    public string Name { get; }

    public int Readers => _readers;

    public bool IsWriteLocked => _writer;

    public void DownRead()
    {
        Acquire("down_read", _readable);
        _readers++;
        _machine.Observer.LockAcquired(_machine.Current.Id, Name, sleeping: true);
    }

    public void UpRead()
    {
        _machine.Diag.Assert(_readers > 0, "up_read({0}) with no reader", Name);
        _readers--;
        Released();
    }

    public void DownWrite()
    {
        Acquire("down_write", _writable);
        _writer = true;
        _machine.Observer.LockAcquired(_machine.Current.Id, Name, sleeping: true);
    }

    public void UpWrite()
    {
        _machine.Diag.Assert(_writer, "up_write({0}) without the write lock", Name);
        _writer = false;
        Released();
    }

    /// <summary>downgrade_write: the writer becomes a reader without letting another writer in.</summary>
    public void DowngradeWrite()
    {
        _machine.Diag.Assert(_writer, "downgrade_write({0}) without the write lock", Name);
        _writer = false;
        _readers++;
        _machine.Scheduler.SchedulingPoint(SchedPoint.Wake);
    }

    private void Acquire(string where, Func<bool> available)
    {
        Cpu cpu = _machine.Current;
        _machine.Observer.MightSleep(cpu.Id, cpu.PreemptCount, !cpu.IrqsEnabled, $"{where}({Name})");
        _machine.Charge(_machine.Costs.Atomic);
        _machine.Scheduler.SchedulingPoint(SchedPoint.Sleep);
        for (int attempt = 0; !available(); attempt++)
        {
            _machine.Diag.Assert(attempt < MaxWakeups, "{0}({1}) woken {2} times without getting it", where, Name, attempt);
            _machine.Scheduler.SleepUntil(available, Name);
        }
    }

    private void Released()
    {
        _machine.Observer.LockReleased(_machine.Current.Id, Name, sleeping: true);
        _machine.Scheduler.SchedulingPoint(SchedPoint.Wake);
    }
}
