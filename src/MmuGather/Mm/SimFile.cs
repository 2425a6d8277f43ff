using MmuGather.Machine;
using MmuGather.Machine.Sync;

namespace MmuGather.Mm;

/// <summary>
/// A file with a page cache: pgoff to frame. The page cache holds one reference on each of
/// its pages; every mapping of a page holds one more. Dirty pages are written back through
/// the reverse map (<see cref="Writeback"/>); the rest are dropped when the file is released.
/// </summary>
public sealed class SimFile(int id, string name, SimMachine machine)
{
    private readonly Dictionary<long, int> _pages = [];
    private readonly Dictionary<long, KernelMutex> _folioLocks = [];

    public int Id { get; } = id;

    public string Name { get; } = name;

    /// <summary>i_mmap_rwsem: writers link and unlink mappings, rmap walkers read them.</summary>
    public RwSemaphore IMmapRwsem { get; } = new(machine, $"i_mmap_rwsem({name})");

    /// <summary>Mappings that reference this file (the i_mmap tree, for the rmap walk); under <see cref="IMmapRwsem"/>.</summary>
    public List<Vma> Mappings { get; } = [];

    public int CachedPages => _pages.Count;

    public bool TryGetPage(long pgoff, out int pfn) => _pages.TryGetValue(pgoff, out pfn);

    public void AddPage(long pgoff, int pfn) => _pages.Add(pgoff, pfn);

    /// <summary>Pages in pgoff order (deterministic), for truncation at release.</summary>
    public IEnumerable<KeyValuePair<long, int>> Pages => _pages.OrderBy(p => p.Key);

    public void Clear() => _pages.Clear();

    /// <summary>
    /// folio_lock of the page at <paramref name="pgoff"/>: writeback holds it from folio_mkclean
    /// to clearing the dirty flag, and a write fault on a shared mapping (page_mkwrite) takes it
    /// before it makes the PTE writable and dirty, so a store can never slip in between the
    /// clean and the clear and be forgotten.
    /// </summary>
    public KernelMutex FolioLock(long pgoff)
    {
        if (!_folioLocks.TryGetValue(pgoff, out KernelMutex? folioLock))
        {
            folioLock = new KernelMutex(machine, $"folio_lock({Name}:{pgoff})");
            _folioLocks.Add(pgoff, folioLock);
        }

        return folioLock;
    }
}
