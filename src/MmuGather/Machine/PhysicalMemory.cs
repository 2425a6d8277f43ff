namespace MmuGather.Machine;

/// <summary>
/// Physical memory as an array of frames. Each frame has a kind, a reference count, a map
/// count, and a generation that is bumped every time the frame is freed, so that anything
/// still holding (pfn, generation) can tell that the frame it points to is gone.
/// Page-table frames also carry their entries (the hardware walker reads them from here).
///
/// <para>Allocation is LIFO (the most recently freed frame is handed out first), the way a
/// per-CPU page list behaves: a page freed too early is reused at once, which is exactly
/// what makes a missing TLB flush dangerous and what the checkers look for.</para>
///
/// <para>Huge folios (order 9 on x86-64) take an aligned, wholly free block; the block map
/// tracks how many frames of each block are in use. Frame 0 is reserved so that a zero
/// entry never names a real frame.</para>
/// </summary>
public sealed class PhysicalMemory
{
    private readonly Frame[] _frames;
    private readonly FrameMap<ulong[]?> _tables;
    private readonly int[] _blockUsed;
    private readonly List<int> _freeStack;
    private readonly int _blockShift;
    private readonly int _entriesPerTable;
    private readonly Observer _observer;
    private readonly Diagnostics _diag;
    private int _freeCount;

    // Frames at or above this pfn have never been allocated: they are handed out in
    // ascending order once the stack of freed frames is empty (no million-entry list to build).
    private int _neverUsed;

    public PhysicalMemory(ulong bytes, Geometry geometry, AllocFailurePlan failures, Observer observer, Diagnostics diag)
    {
        ulong frames = bytes >> geometry.PageShift;
        if (frames < 16 || frames > int.MaxValue / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), $"0x{bytes:x} bytes is not a usable memory size");
        }

        FrameCount = (int)frames;
        // A huge folio is what one PMD entry maps (order 9 on x86-64, 8 on s390); a table frame
        // holds the widest level's entries (s390's PTE tables use 256 of its 2048).
        _blockShift = geometry.HugeOrder;
        _entriesPerTable = geometry.EntriesPerTable;
        Failures = failures;
        _observer = observer;
        _diag = diag;
        _frames = new Frame[FrameCount];
        _tables = new FrameMap<ulong[]?>(FrameCount);
        _blockUsed = new int[(FrameCount >> _blockShift) + 1];
        _freeStack = [];
        _neverUsed = 1;
        _frames[0].Kind = FrameKind.Reserved;
        _blockUsed[0] = 1;
        _freeCount = FrameCount - 1;
    }

    public int FrameCount { get; }

    public int FreeFrames => _freeCount;

    /// <summary>Frames kept for the machine and kernel (frame 0, the zero page): never freed.</summary>
    public int ReservedFrames { get; private set; } = 1;

    public AllocFailurePlan Failures { get; }

    public FrameKind Kind(int pfn) => _frames[pfn].Kind;

    public int Order(int pfn) => _frames[pfn].Order;

    public uint Generation(int pfn) => _frames[pfn].Generation;

    public ref int RefCount(int pfn) => ref _frames[pfn].RefCount;

    /// <summary>PG_dirty: the page holds data not yet written back.</summary>
    public bool IsDirty(int pfn) => _frames[pfn].Dirty;

    public void SetDirty(int pfn) => _frames[pfn].Dirty = true;

    /// <summary>folio_test_anon: the page belongs to an anon_vma, not to a file's page cache.</summary>
    public bool IsAnon(int pfn) => _frames[pfn].Anon;

    /// <summary>The page becomes anonymous memory (folio_add_new_anon_rmap); cleared when it is freed.</summary>
    public void SetAnon(int pfn) => _frames[pfn].Anon = true;

    public void ClearDirty(int pfn) => _frames[pfn].Dirty = false;

    public ref int MapCount(int pfn) => ref _frames[pfn].MapCount;

    /// <summary>The entries of a page-table frame. Kept after free (stale content is what a late walker sees).</summary>
    public ulong[] TableEntries(int pfn) => _tables.Get(pfn) ?? throw new InvalidOperationException($"pfn 0x{pfn:x} has never been a page table");

    /// <summary>Allocates one frame; -1 when the failure plan says this call fails or memory is exhausted.</summary>
    public int Alloc(AllocSite site, FrameKind kind)
    {
        if (Failures.ShouldFail(site))
        {
            return -1;
        }

        int pfn = PopFree();
        if (pfn < 0)
        {
            return -1;
        }

        Claim(pfn, kind, 0);
        if (kind == FrameKind.PageTable)
        {
            var entries = _tables.At(pfn) ??= new ulong[_entriesPerTable];
            Array.Clear(entries);
        }

        _observer.FrameAllocated(pfn, kind, 0);
        return pfn;
    }

    /// <summary>
    /// A frame the kernel keeps for good at boot (the zero page): not subject to the failure
    /// plan, so a scenario's <c>nth</c> counts only the allocations its own steps cause.
    /// </summary>
    public int AllocReserved()
    {
        int pfn = PopFree();
        _diag.Assert(pfn > 0, "no frame left to reserve at boot");
        Claim(pfn, FrameKind.Reserved, 0);
        _observer.FrameAllocated(pfn, FrameKind.Reserved, 0);
        return pfn;
    }

    /// <summary>Allocates 2^order naturally aligned frames (only order 0 and the huge order are supported).</summary>
    public int AllocHuge(AllocSite site)
    {
        if (Failures.ShouldFail(site))
        {
            return -1;
        }

        int blockFrames = 1 << _blockShift;
        for (int block = 0; block < _blockUsed.Length; block++)
        {
            int first = block << _blockShift;
            if (_blockUsed[block] != 0 || first + blockFrames > FrameCount)
            {
                continue;
            }

            for (int i = 0; i < blockFrames; i++)
            {
                Claim(first + i, FrameKind.User, 0);
            }

            _frames[first].Order = (byte)_blockShift;
            _observer.FrameAllocated(first, FrameKind.User, _blockShift);
            return first;
        }

        return -1;
    }

    /// <summary>
    /// Splits the huge folio headed by <paramref name="head"/> into base pages (split_folio):
    /// each frame becomes an order-0 page with the head's reference and map counts, dirty and
    /// anon state. The frames keep their generations: the translations that pointed at them
    /// stay valid for what they map.
    /// </summary>
    public void SplitHuge(int head)
    {
        ref Frame h = ref _frames[head];
        _diag.Assert(h.Order == _blockShift, "split of pfn 0x{0:x}, which heads no huge folio", head);
        h.Order = 0;
        for (int i = 1; i < 1 << _blockShift; i++)
        {
            ref Frame tail = ref _frames[head + i];
            tail.RefCount = h.RefCount;
            tail.MapCount = h.MapCount;
            tail.Dirty = h.Dirty;
            tail.Anon = h.Anon;
        }
    }

    /// <summary>Frees a frame (and its tail frames if it heads a huge folio). Bumps the generation.</summary>
    public void Free(int pfn)
    {
        _diag.Assert(pfn > 0 && pfn < FrameCount, "free of pfn 0x{0:x} outside memory", pfn);
        _diag.Assert(_frames[pfn].Kind != FrameKind.Free, "double free of pfn 0x{0:x}", pfn);
        int order = _frames[pfn].Order;
        _observer.FrameFreeing(pfn, _frames[pfn].Kind, order);
        int frames = 1 << order;
        for (int i = frames - 1; i >= 0; i--)
        {
            Release(pfn + i);
        }
    }

    private int PopFree()
    {
        // The stack may hold frames a huge allocation took meanwhile: skip them.
        while (_freeStack.Count > 0)
        {
            int last = _freeStack.Count - 1;
            int pfn = _freeStack[last];
            _freeStack.RemoveAt(last);
            if (_frames[pfn].Kind == FrameKind.Free)
            {
                return pfn;
            }
        }

        while (_neverUsed < FrameCount)
        {
            int pfn = _neverUsed++;
            if (_frames[pfn].Kind == FrameKind.Free)
            {
                return pfn;
            }
        }

        return -1;
    }

    private void Claim(int pfn, FrameKind kind, int order)
    {
        ref Frame f = ref _frames[pfn];
        _diag.Assert(f.Kind == FrameKind.Free, "allocating pfn 0x{0:x} which is {1}", pfn, f.Kind);
        f.Kind = kind;
        f.Order = (byte)order;
        if (kind == FrameKind.Reserved)
        {
            ReservedFrames++;
        }

        f.RefCount = 1;
        f.MapCount = 0;
        _blockUsed[pfn >> _blockShift]++;
        _freeCount--;
    }

    private void Release(int pfn)
    {
        ref Frame f = ref _frames[pfn];
        f.Kind = FrameKind.Free;
        f.Order = 0;
        f.RefCount = 0;
        f.MapCount = 0;
        f.Dirty = false;
        f.Anon = false;
        f.Generation++;
        _blockUsed[pfn >> _blockShift]--;
        _freeCount++;
        _freeStack.Add(pfn);
    }

    /// <summary>struct page, reduced: what the model tracks per frame, kept together for locality.</summary>
    private struct Frame
    {
        public int RefCount;
        public int MapCount;
        public uint Generation;
        public FrameKind Kind;
        public byte Order;
        public bool Dirty;
        public bool Anon;
    }
}
