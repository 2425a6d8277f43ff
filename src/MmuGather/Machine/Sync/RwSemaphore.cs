namespace MmuGather.Machine.Sync;

/// <summary>
/// rw_semaphore (the mmap lock): many readers or one writer; acquiring may sleep. Readers
/// and writers are counted so that a downgrade (write to read, as munmap does before it
/// zaps) and parallel readers (madvise alongside munmap) are represented exactly.
/// </summary>
public sealed class RwSemaphore(SimMachine machine, string name)
{
    private int _readers;
    private bool _writer;

    public string Name { get; } = name;

    public int Readers => _readers;

    public bool IsWriteLocked => _writer;

    public void DownRead()
    {
        MightSleep("down_read");
        machine.Diag.Assert(!_writer, "down_read({0}) while a writer holds it and nothing can run the writer", Name);
        _readers++;
    }

    public void UpRead()
    {
        machine.Diag.Assert(_readers > 0, "up_read({0}) with no reader", Name);
        _readers--;
        machine.Scheduler.SchedulingPoint(SchedPoint.Wake);
    }

    public void DownWrite()
    {
        MightSleep("down_write");
        machine.Diag.Assert(!_writer && _readers == 0, "down_write({0}) while held ({1} readers, writer={2})", Name, _readers, _writer);
        _writer = true;
    }

    public void UpWrite()
    {
        machine.Diag.Assert(_writer, "up_write({0}) without the write lock", Name);
        _writer = false;
        machine.Scheduler.SchedulingPoint(SchedPoint.Wake);
    }

    /// <summary>downgrade_write: the writer becomes a reader without letting another writer in.</summary>
    public void DowngradeWrite()
    {
        machine.Diag.Assert(_writer, "downgrade_write({0}) without the write lock", Name);
        _writer = false;
        _readers++;
        machine.Scheduler.SchedulingPoint(SchedPoint.Wake);
    }

    private void MightSleep(string where)
    {
        Cpu cpu = machine.Current;
        machine.Observer.MightSleep(cpu.Id, cpu.PreemptCount, !cpu.IrqsEnabled, $"{where}({Name})");
        machine.Scheduler.SchedulingPoint(SchedPoint.Sleep);
    }
}
