using System.Reflection;

namespace MmuGather.Machine;

/// <summary>
/// Fans every event out to the registered observers, in registration order. Each event
/// goes only to the observers that override it (found once, at registration), so an event
/// nobody watches costs one empty loop on the hot path.
/// </summary>
public sealed class ObserverHub : Observer
{
    private readonly List<Observer> _all = [];
    private Observer[] _frameAllocated = [];
    private Observer[] _frameFreeing = [];
    private Observer[] _asidLoaded = [];
    private Observer[] _tlbFilled = [];
    private Observer[] _tlbDropped = [];
    private Observer[] _tlbInvalidated = [];
    private Observer[] _asidRetired = [];
    private Observer[] _userAccess = [];
    private Observer[] _pagesPinned = [];
    private Observer[] _pagesUnpinned = [];
    private Observer[] _tableRead = [];
    private Observer[] _ipiSent = [];
    private Observer[] _ipiDelivered = [];
    private Observer[] _lockAcquired = [];
    private Observer[] _lockReleased = [];
    private Observer[] _threadOnCpu = [];
    private Observer[] _lazyTlb = [];
    private Observer[] _leafCleared = [];
    private Observer[] _tableUnhooked = [];
    private Observer[] _leafInstalled = [];
    private Observer[] _leafProtected = [];
    private Observer[] _operationStarted = [];
    private Observer[] _operationCovers = [];
    private Observer[] _operationReturned = [];
    private Observer[] _pageCleaned = [];
    private Observer[] _mightSleep = [];
    private Observer[] _translationCacheAttached = []; // added with powerpc hash and sparc64
    private Observer[] _cachedTranslationInserted = [];
    private Observer[] _cachedTranslationRemoved = [];
    private Observer[] _pteLockReleased = [];

    public IReadOnlyList<Observer> Observers => _all;

    public void Add(Observer observer)
    {
        _all.Add(observer);
        _frameAllocated = With(nameof(FrameAllocated));
        _frameFreeing = With(nameof(FrameFreeing));
        _asidLoaded = With(nameof(AsidLoaded));
        _tlbFilled = With(nameof(TlbFilled));
        _tlbDropped = With(nameof(TlbDropped));
        _tlbInvalidated = With(nameof(TlbInvalidated));
        _asidRetired = With(nameof(AsidRetired));
        _userAccess = With(nameof(UserAccess));
        _tableRead = With(nameof(TableRead));
        _ipiSent = With(nameof(IpiSent));
        _ipiDelivered = With(nameof(IpiDelivered));
        _lockAcquired = With(nameof(LockAcquired));
        _lockReleased = With(nameof(LockReleased));
        _threadOnCpu = With(nameof(ThreadOnCpu));
        _lazyTlb = With(nameof(LazyTlb));
        _leafCleared = With(nameof(LeafCleared));
        _tableUnhooked = With(nameof(TableUnhooked));
        _leafInstalled = With(nameof(LeafInstalled));
        _leafProtected = With(nameof(LeafProtected));
        _pagesPinned = With(nameof(PagesPinned));
        _pagesUnpinned = With(nameof(PagesUnpinned));
        _operationStarted = With(nameof(OperationStarted));
        _operationCovers = With(nameof(OperationCovers));
        _operationReturned = With(nameof(OperationReturned));
        _pageCleaned = With(nameof(PageCleaned));
        _mightSleep = With(nameof(MightSleep));
        _translationCacheAttached = With(nameof(TranslationCacheAttached));
        _cachedTranslationInserted = With(nameof(CachedTranslationInserted));
        _cachedTranslationRemoved = With(nameof(CachedTranslationRemoved));
        _pteLockReleased = With(nameof(PteLockReleased));
    }

    public override void FrameAllocated(int pfn, FrameKind kind, int order)
    {
        foreach (Observer o in _frameAllocated)
        {
            o.FrameAllocated(pfn, kind, order);
        }
    }

    public override void FrameFreeing(int pfn, FrameKind kind, int order)
    {
        foreach (Observer o in _frameFreeing)
        {
            o.FrameFreeing(pfn, kind, order);
        }
    }

    public override void AsidLoaded(int cpu, int asid)
    {
        foreach (Observer o in _asidLoaded)
        {
            o.AsidLoaded(cpu, asid);
        }
    }

    public override void TlbFilled(int cpu, int asid, ulong va, int pageShift, int pfn, uint generation)
    {
        foreach (Observer o in _tlbFilled)
        {
            o.TlbFilled(cpu, asid, va, pageShift, pfn, generation);
        }
    }

    public override void TlbDropped(int cpu, int asid, ulong va, int pageShift, int pfn)
    {
        foreach (Observer o in _tlbDropped)
        {
            o.TlbDropped(cpu, asid, va, pageShift, pfn);
        }
    }

    public override void TlbInvalidated(int cpu, int asid, ulong start, ulong end, bool walkCaches)
    {
        foreach (Observer o in _tlbInvalidated)
        {
            o.TlbInvalidated(cpu, asid, start, end, walkCaches);
        }
    }

    public override void AsidRetired(int asid)
    {
        foreach (Observer o in _asidRetired)
        {
            o.AsidRetired(asid);
        }
    }

    public override void UserAccess(int cpu, int asid, ulong va, int pfn, uint generation, bool write)
    {
        foreach (Observer o in _userAccess)
        {
            o.UserAccess(cpu, asid, va, pfn, generation, write);
        }
    }

    public override void TableRead(int cpu, int pfn, uint generation, TableReader reader)
    {
        foreach (Observer o in _tableRead)
        {
            o.TableRead(cpu, pfn, generation, reader);
        }
    }

    public override void IpiSent(int fromCpu, int toCpu, IpiKind kind)
    {
        foreach (Observer o in _ipiSent)
        {
            o.IpiSent(fromCpu, toCpu, kind);
        }
    }

    public override void IpiDelivered(int fromCpu, int toCpu, IpiKind kind)
    {
        foreach (Observer o in _ipiDelivered)
        {
            o.IpiDelivered(fromCpu, toCpu, kind);
        }
    }

    public override void LockAcquired(int cpu, string name, bool sleeping)
    {
        foreach (Observer o in _lockAcquired)
        {
            o.LockAcquired(cpu, name, sleeping);
        }
    }

    public override void LockReleased(int cpu, string name, bool sleeping)
    {
        foreach (Observer o in _lockReleased)
        {
            o.LockReleased(cpu, name, sleeping);
        }
    }

    public override void ThreadOnCpu(int cpu, string? thread)
    {
        foreach (Observer o in _threadOnCpu)
        {
            o.ThreadOnCpu(cpu, thread);
        }
    }

    public override void LazyTlb(int cpu, bool lazy)
    {
        foreach (Observer o in _lazyTlb)
        {
            o.LazyTlb(cpu, lazy);
        }
    }

    public override void LeafCleared(int asid, ulong va, int level, int pfn)
    {
        foreach (Observer o in _leafCleared)
        {
            o.LeafCleared(asid, va, level, pfn);
        }
    }

    public override void TableUnhooked(int asid, ulong va, int level, int pfn)
    {
        foreach (Observer o in _tableUnhooked)
        {
            o.TableUnhooked(asid, va, level, pfn);
        }
    }

    public override void LeafProtected(int asid, ulong va, int level, int pfn)
    {
        foreach (Observer o in _leafProtected)
        {
            o.LeafProtected(asid, va, level, pfn);
        }
    }

    public override void PagesPinned(int asid, IReadOnlyList<int> pfns)
    {
        foreach (Observer o in _pagesPinned)
        {
            o.PagesPinned(asid, pfns);
        }
    }

    public override void PagesUnpinned(int asid, IReadOnlyList<int> pfns)
    {
        foreach (Observer o in _pagesUnpinned)
        {
            o.PagesUnpinned(asid, pfns);
        }
    }

    public override void LeafInstalled(int asid, ulong va, int level, int pfn)
    {
        foreach (Observer o in _leafInstalled)
        {
            o.LeafInstalled(asid, va, level, pfn);
        }
    }

    public override void OperationStarted(long id, string operation, int asid, ulong start, ulong end)
    {
        foreach (Observer o in _operationStarted)
        {
            o.OperationStarted(id, operation, asid, start, end);
        }
    }

    public override void OperationCovers(long id, int asid, ulong start, ulong end)
    {
        foreach (Observer o in _operationCovers)
        {
            o.OperationCovers(id, asid, start, end);
        }
    }

    public override void OperationReturned(long id, string operation, int asid, ulong start, ulong end)
    {
        foreach (Observer o in _operationReturned)
        {
            o.OperationReturned(id, operation, asid, start, end);
        }
    }

    public override void PageCleaned(int pfn)
    {
        foreach (Observer o in _pageCleaned)
        {
            o.PageCleaned(pfn);
        }
    }

    public override void MightSleep(int cpu, int preemptCount, bool irqsDisabled, string where)
    {
        foreach (Observer o in _mightSleep)
        {
            o.MightSleep(cpu, preemptCount, irqsDisabled, where);
        }
    }

    // ---- added with powerpc hash and sparc64 ----

    public override void TranslationCacheAttached()
    {
        foreach (Observer o in _translationCacheAttached)
        {
            o.TranslationCacheAttached();
        }
    }

    public override void CachedTranslationInserted(int asid, ulong va, int pfn, bool writable)
    {
        foreach (Observer o in _cachedTranslationInserted)
        {
            o.CachedTranslationInserted(asid, va, pfn, writable);
        }
    }

    public override void CachedTranslationRemoved(int asid, ulong va, int pfn)
    {
        foreach (Observer o in _cachedTranslationRemoved)
        {
            o.CachedTranslationRemoved(asid, va, pfn);
        }
    }

    public override void PteLockReleased(int asid, ulong va, int tablePfn)
    {
        foreach (Observer o in _pteLockReleased)
        {
            o.PteLockReleased(asid, va, tablePfn);
        }
    }

    private Observer[] With(string method) =>
        _all.Where(o => o.GetType().GetMethod(method, BindingFlags.Public | BindingFlags.Instance)!.DeclaringType != typeof(Observer)).ToArray();
}
