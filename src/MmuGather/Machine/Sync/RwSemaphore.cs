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
        machine.Diag.Assert(!_writer, $"down_read({Name}) while a writer holds it and nothing can run the writer");
        _readers++;
    }

    public void UpRead()
    {
        machine.Diag.Assert(_readers > 0, $"up_read({Name}) with no reader");
        _readers--;
        machine.Scheduler.SchedulingPoint(SchedPoint.Wake);
    }

    public void DownWrite()
    {
        MightSleep("down_write");
        machine.Diag.Assert(!_writer && _readers == 0, $"down_write({Name}) while held ({_readers} readers, writer={_writer})");
        _writer = true;
    }

    public void UpWrite()
    {
        machine.Diag.Assert(_writer, $"up_write({Name}) without the write lock");
        _writer = false;
        machine.Scheduler.SchedulingPoint(SchedPoint.Wake);
    }

    /// <summary>downgrade_write: the writer becomes a reader without letting another writer in.</summary>
    public void DowngradeWrite()
    {
        machine.Diag.Assert(_writer, $"downgrade_write({Name}) without the write lock");
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
