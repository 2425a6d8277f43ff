namespace MmuGather.Machine;

/// <summary>Fans every event out to the registered observers, in registration order.</summary>
public sealed class ObserverHub : Observer
{
    private Observer[] _observers = [];

    public void Add(Observer observer) => _observers = [.. _observers, observer];

    public IReadOnlyList<Observer> Observers => _observers;

    public override void FrameAllocated(int pfn, FrameKind kind, int order)
    {
        foreach (var o in _observers)
        {
            o.FrameAllocated(pfn, kind, order);
        }
    }

    public override void FrameFreeing(int pfn, FrameKind kind, int order)
    {
        foreach (var o in _observers)
        {
            o.FrameFreeing(pfn, kind, order);
        }
    }

    public override void AsidLoaded(int cpu, int asid)
    {
        foreach (var o in _observers)
        {
            o.AsidLoaded(cpu, asid);
        }
    }

    public override void TlbFilled(int cpu, int asid, ulong va, int pageShift, int pfn, uint generation)
    {
        foreach (var o in _observers)
        {
            o.TlbFilled(cpu, asid, va, pageShift, pfn, generation);
        }
    }

    public override void TlbDropped(int cpu, int asid, ulong va, int pageShift, int pfn)
    {
        foreach (var o in _observers)
        {
            o.TlbDropped(cpu, asid, va, pageShift, pfn);
        }
    }

    public override void TlbInvalidated(int cpu, int asid, ulong start, ulong end, bool walkCaches)
    {
        foreach (var o in _observers)
        {
            o.TlbInvalidated(cpu, asid, start, end, walkCaches);
        }
    }

    public override void UserAccess(int cpu, int asid, ulong va, int pfn, uint generation, bool write)
    {
        foreach (var o in _observers)
        {
            o.UserAccess(cpu, asid, va, pfn, generation, write);
        }
    }

    public override void TableRead(int cpu, int pfn, uint generation, TableReader reader)
    {
        foreach (var o in _observers)
        {
            o.TableRead(cpu, pfn, generation, reader);
        }
    }

    public override void IpiDelivered(int fromCpu, int toCpu, IpiKind kind)
    {
        foreach (var o in _observers)
        {
            o.IpiDelivered(fromCpu, toCpu, kind);
        }
    }

    public override void LazyTlb(int cpu, bool lazy)
    {
        foreach (var o in _observers)
        {
            o.LazyTlb(cpu, lazy);
        }
    }

    public override void LeafCleared(int asid, ulong va, int level, int pfn)
    {
        foreach (var o in _observers)
        {
            o.LeafCleared(asid, va, level, pfn);
        }
    }

    public override void TableUnhooked(int asid, ulong va, int level, int pfn)
    {
        foreach (var o in _observers)
        {
            o.TableUnhooked(asid, va, level, pfn);
        }
    }

    public override void OperationReturned(string operation, int asid, ulong start, ulong end)
    {
        foreach (var o in _observers)
        {
            o.OperationReturned(operation, asid, start, end);
        }
    }

    public override void MightSleep(int cpu, int preemptCount, bool irqsDisabled, string where)
    {
        foreach (var o in _observers)
        {
            o.MightSleep(cpu, preemptCount, irqsDisabled, where);
        }
    }
}
