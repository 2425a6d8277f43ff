namespace MmuGather.Mm;

/// <summary>
/// A file with a page cache: pgoff to frame. The page cache holds one reference on each of
/// its pages; every mapping of a page holds one more. Dirty pages are written back through
/// the reverse map (a later issue); here pages are dropped when the file is released.
/// </summary>
public sealed class SimFile(int id, string name)
{
    private readonly Dictionary<long, int> _pages = [];

    public int Id { get; } = id;

    public string Name { get; } = name;

    /// <summary>Mappings that reference this file (the i_mmap tree, for the rmap walk).</summary>
    public List<Vma> Mappings { get; } = [];

    public int CachedPages => _pages.Count;

    public bool TryGetPage(long pgoff, out int pfn) => _pages.TryGetValue(pgoff, out pfn);

    public void AddPage(long pgoff, int pfn) => _pages.Add(pgoff, pfn);

    /// <summary>Pages in pgoff order (deterministic), for truncation at release.</summary>
    public IEnumerable<KeyValuePair<long, int>> Pages => _pages.OrderBy(p => p.Key);

    public void Clear() => _pages.Clear();
}
