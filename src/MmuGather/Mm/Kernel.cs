using MmuGather.Machine;
using MmuGather.Machine.Sync;

namespace MmuGather.Mm;

/// <summary>
/// The modelled kernel on one simulated machine: the page allocator's users (page tables,
/// user pages, the zero page), RCU, the per-CPU view of which mm each CPU runs (active_mm,
/// lazy TLB), the architecture back-end, and the mm operations (<see cref="Mmap"/>,
/// <see cref="Zap"/>, <see cref="Faults"/>, <see cref="Madvise"/>, <see cref="GupFast"/>).
/// </summary>
public sealed class Kernel
{
    private readonly FrameMap<PtDesc?> _ptdescs;
    private readonly FrameMap<int> _pins;
    private readonly MmStruct?[] _activeMm;
    private readonly bool[] _lazy;
    private int _nextMmId = 1;
    private readonly List<SimFile> _files = [];
    private int _nextFileId = 1;
    private long _nextOperationId = 1;

    public Kernel(SimMachine machine, Func<Kernel, ArchMmu> arch, KernelBug bugs = KernelBug.None, GatherMode mode = GatherMode.Current, FlushApi flushApi = FlushApi.Linux)
    {
        Machine = machine;
        Bugs = bugs;
        GatherMode = mode;
        FlushApi = flushApi;
        Counters = new KernelCounters();
        Rcu = new Rcu(machine, Counters);
        _ptdescs = new FrameMap<PtDesc?>(machine.Memory.FrameCount);
        _pins = new FrameMap<int>(machine.Memory.FrameCount);
        _activeMm = new MmStruct?[machine.Cpus.Count];
        _lazy = new bool[machine.Cpus.Count];
        ZeroPfn = machine.Memory.AllocReserved();
        Arch = arch(this);
        Zap = new Zap(this);
        FreePgtables = new FreePgtables(this);
        Faults = new Faults(this);
        VmaMerge = new VmaMerge();
        Mmap = new Mmap(this);
        Madvise = new Madvise(this);
        Mprotect = new Mprotect(this);
        Mremap = new Mremap(this);
        GupFast = new GupFast(this);
        Writeback = new Writeback(this);
        Fork = new Fork(this);
        HugePmdSplit = new HugePmdSplit(this);
    }

    public SimMachine Machine { get; }

    /// <summary>Deliberately broken variants switched on for this run (normally none).</summary>
    public KernelBug Bugs { get; }

    public bool Has(KernelBug bug) => (Bugs & bug) != 0;

    /// <summary>Which mmu_gather the kernel runs (today's, or the 2.6-era per-CPU one); each gather reads it when it starts.</summary>
    public GatherMode GatherMode { get; }

    /// <summary>How mremap and fork flush: as Linux 6.18 does (direct flushes), or through a gather (the 2007 series).</summary>
    public FlushApi FlushApi { get; }

    /// <summary>CONFIG_PT_RECLAIM: the arch supports it and the gather is today's (it came with v6.14).</summary>
    public bool PtReclaimEnabled => Arch.SupportsPtReclaim && GatherMode == GatherMode.Current;

    public Geometry Geometry => Machine.Geometry;

    public Diagnostics Diag => Machine.Diag;

    public Observer Observer => Machine.Observer;

    public KernelCounters Counters { get; }

    public Rcu Rcu { get; }

    public ArchMmu Arch { get; }

    public Zap Zap { get; }

    /// <summary>split_huge_pmd: a walker acting on part of a huge page splits its PMD first.</summary>
    public HugePmdSplit HugePmdSplit { get; }

    public FreePgtables FreePgtables { get; }

    public Faults Faults { get; }

    public Mmap Mmap { get; }

    /// <summary>The merge rules of mm/vma.c and the anon_vma a vma's first anonymous fault needs.</summary>
    public VmaMerge VmaMerge { get; }

    public Madvise Madvise { get; }

    /// <summary>mprotect: change_protection through a gather, vma split and merge.</summary>
    public Mprotect Mprotect { get; }
    /// <summary>mremap: shrink, grow in place, or move a mapping (mm/mremap.c).</summary>
    public Mremap Mremap { get; }

    public GupFast GupFast { get; }

    public Writeback Writeback { get; }

    /// <summary>fork's half of kernel/fork.c and mm/memory.c: dup_mmap and copy_page_range.</summary>
    public Fork Fork { get; }

    /// <summary>The shared zero page: read faults on anonymous memory map it read-only.</summary>
    public int ZeroPfn { get; }

    /// <summary>The mm the CPU has loaded (its own task's, or the previous one's while lazy).</summary>
    public MmStruct? ActiveMm(int cpu) => _activeMm[cpu];

    /// <summary>The CPU runs a kernel thread or idles with someone else's mm still loaded.</summary>
    public bool IsLazy(int cpu) => _lazy[cpu];

    // ---------------------------------------------------------------- address spaces

    /// <summary>mm_alloc + pgd_alloc + init_new_context; throws when no page is left for the pgd.</summary>
    public MmStruct CreateMm(string name) =>
        TryCreateMm(name) ?? throw new InvalidOperationException($"out of memory allocating the pgd of '{name}'");

    /// <summary>
    /// mm_alloc + pgd_alloc + init_new_context; null when the pgd cannot be allocated, which
    /// fork and exec report to their caller as ENOMEM (counted as processes_not_started).
    /// </summary>
    public MmStruct? TryCreateMm(string name)
    {
        PtDesc? pgd = AllocPageTable(Geometry.Levels - 1);
        if (pgd is null)
        {
            Counters.Add(Counter.ProcessesNotStarted);
            return null;
        }

        var mm = new MmStruct(Machine, _nextMmId++, name, pgd);
        Arch.InitContext(mm);
        return mm;
    }

    public SimFile CreateFile(string name)
    {
        var file = new SimFile(_nextFileId++, name, Machine);
        _files.Add(file);
        return file;
    }

    /// <summary>Drops every page cache page (the files are deleted at the end of a run).</summary>
    public void ReleaseFiles()
    {
        foreach (SimFile file in _files)
        {
            Diag.Assert(file.Mappings.Count == 0, "file '{0}' released while still mapped", file.Name);
            foreach (var (_, pfn) in file.Pages)
            {
                Machine.Memory.ClearDirty(pfn);
                PutPage(pfn);
            }

            file.Clear();
        }
    }

    /// <summary>
    /// Context switch of the current CPU to a task of <paramref name="next"/> (null: to the
    /// idle task, which keeps the previous mm loaded lazily).
    /// </summary>
    public void ContextSwitch(MmStruct? next)
    {
        int cpu = Machine.Current.Id;
        MmStruct? prev = _activeMm[cpu];
        if (next is null)
        {
            if (prev is not null && !_lazy[cpu])
            {
                _lazy[cpu] = true;
                Observer.LazyTlb(cpu, true);
                Arch.EnterLazyTlb(prev);
            }

            return;
        }

        bool wasLazy = _lazy[cpu];
        _lazy[cpu] = false;
        if (wasLazy)
        {
            Observer.LazyTlb(cpu, false);
        }

        if (prev == next)
        {
            if (wasLazy)
            {
                // Back from lazy mode on the same mm: flushes skipped meanwhile must be caught up.
                Arch.SwitchMm(prev, next);
            }

            return;
        }

        Arch.SwitchMm(prev, next);
        _activeMm[cpu] = next;
        next.MmCount.IncrementAndGet();
        if (prev is not null)
        {
            MmDrop(prev);
        }
    }

    /// <summary>The current CPU leaves a lazily held mm for init_mm (the flush of freed tables does this).</summary>
    public void LeaveLazyMm()
    {
        int cpu = Machine.Current.Id;
        MmStruct? mm = _activeMm[cpu];
        if (mm is null)
        {
            return;
        }

        Diag.Assert(_lazy[cpu], "CPU{0} leaves mm{1} it is actively running", cpu, mm.Id);
        Arch.LeaveMm(mm);
        _activeMm[cpu] = null;
        _lazy[cpu] = false;
        Observer.LazyTlb(cpu, false);
        MmDrop(mm);
    }

    /// <summary>mmdrop: the last reference frees the pgd (after exit_mmap emptied it).</summary>
    public void MmDrop(MmStruct mm)
    {
        long left = mm.MmCount.DecrementAndGet();
        Diag.Assert(left >= 0, "mm{0} mm_count below zero", mm.Id);
        if (left == 0)
        {
            Diag.Assert(mm.Dead, "mm{0} freed while it still has an address space", mm.Id);
            FreePageTable(mm.Pgd);
        }
    }

    /// <summary>A user-visible operation on [start, end) of mm begins; pass the id to <see cref="EndOperation"/>.</summary>
    public long BeginOperation(string operation, MmStruct mm, ulong start, ulong end)
    {
        long id = _nextOperationId++;
        Observer.OperationStarted(id, operation, mm.Id, start, end);
        return id;
    }

    /// <summary>The operation zaps [start, end) of <paramref name="mm"/> (a vma's part of its range).</summary>
    public void CoverOperation(long id, MmStruct mm, ulong start, ulong end) =>
        Observer.OperationCovers(id, mm.Id, start, end);

    /// <summary>The operation returns to user space: its post-conditions apply from here.</summary>
    public void EndOperation(long id, string operation, MmStruct mm, ulong start, ulong end) =>
        Observer.OperationReturned(id, operation, mm.Id, start, end);

    // ---------------------------------------------------------------- page tables

    /// <summary>pte_alloc_one / pmd_alloc_one / ...: a zeroed table page, or null when allocation fails.</summary>
    public PtDesc? AllocPageTable(int level)
    {
        int pfn = Machine.Memory.Alloc(AllocSite.PageTable, FrameKind.PageTable);
        if (pfn < 0)
        {
            return null;
        }

        var pt = new PtDesc(pfn, level, Machine.Memory.TableEntries(pfn), new Spinlock(Machine, $"ptl(pfn 0x{pfn:x})"));
        _ptdescs.At(pfn) = pt;
        return pt;
    }

    /// <summary>The descriptor of the table a non-leaf entry points to.</summary>
    public PtDesc TableOf(ulong entry)
    {
        int pfn = Pte.Pfn(entry);
        PtDesc? pt = _ptdescs.Get(pfn);
        Diag.Assert(pt is not null && Machine.Memory.Kind(pfn) == FrameKind.PageTable, "entry 0x{0:x} points at pfn 0x{1:x}, which is not a live page table", entry, pfn);
        return pt;
    }

    /// <summary>__tlb_remove_table / pte_free: give a table page back to the allocator.</summary>
    public void FreePageTable(PtDesc table)
    {
        Diag.Assert(_ptdescs.Get(table.Pfn) == table, "freeing table pfn 0x{0:x} twice", table.Pfn);
        _ptdescs.At(table.Pfn) = null;
        Machine.Charge(Machine.Costs.FreePage);
        Counters.Add(Counter.PageTablesFreed);
        Machine.Memory.Free(table.Pfn);
    }

    /// <summary>The RCU callback of a table batch: free every table, then the batch page.</summary>
    public void FreeTableBatch(TableBatch batch)
    {
        for (int i = 0; i < batch.Nr; i++)
        {
            FreePageTable(batch.Tables[i]);
        }

        Machine.Memory.Free(batch.BackingPfn);
    }

    // ---------------------------------------------------------------- pages

    /// <summary>folio_put: drop a reference; the last one frees the folio (all its frames).</summary>
    public void PutPage(int pfn)
    {
        ref int refs = ref Machine.Memory.RefCount(pfn);
        Diag.Assert(refs > 0, "put_page of pfn 0x{0:x} with no reference", pfn);
        if (--refs == 0)
        {
            Machine.Charge(Machine.Costs.FreePage << Machine.Memory.Order(pfn));
            Diag.Assert(Machine.Memory.MapCount(pfn) == 0, "pfn 0x{0:x} freed while still mapped", pfn);
            Counters.Add(Counter.PagesFreed, 1L << Machine.Memory.Order(pfn));
            Machine.Memory.Free(pfn);
        }
    }

    public void GetPage(int pfn) => Machine.Memory.RefCount(pfn)++;

    /// <summary>
    /// folio_maybe_dma_pinned: FOLL_PIN references held on the frame (Linux counts them in the
    /// refcount with a bias; the model keeps them apart, exactly).
    /// </summary>
    public int PinCount(int pfn) => _pins.Get(pfn);

    /// <summary>try_grab_folio(FOLL_PIN): a reference and a pin.</summary>
    public void PinPage(int pfn)
    {
        GetPage(pfn);
        _pins.At(pfn)++;
    }

    /// <summary>unpin_user_page: the pin and its reference go.</summary>
    public void UnpinPage(int pfn)
    {
        Diag.Assert(_pins.Get(pfn) > 0, "unpin of pfn 0x{0:x} that is not pinned", pfn);
        _pins.At(pfn)--;
        PutPage(pfn);
    }

    /// <summary>folio_remove_rmap_pte(s): one mapping of the page is gone.</summary>
    public void RemoveRmap(int pfn, Vma vma)
    {
        ref int maps = ref Machine.Memory.MapCount(pfn);
        Diag.Assert(maps > 0, "rmap removal of pfn 0x{0:x} in {1} with map count {2}", pfn, vma, maps);
        maps--;
    }

    /// <summary>cond_resched: a point where the task may be preempted; a bug in atomic context.</summary>
    public void CondResched()
    {
        Cpu cpu = Machine.Current;
        Counters.Add(Counter.CondResched);
        Observer.MightSleep(cpu.Id, cpu.PreemptCount, !cpu.IrqsEnabled, "cond_resched");
        Machine.Scheduler.SchedulingPoint(SchedPoint.CondResched);
    }
}
