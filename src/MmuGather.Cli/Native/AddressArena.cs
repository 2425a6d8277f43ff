namespace MmuGather.Cli.Native;

/// <summary>
/// Where a worker's scenario regions go: a free, 512 GiB aligned stretch of the address space
/// just below <see cref="Top"/>, so that the kernel's own top-down placement puts them where
/// the model puts them relative to its mmap_base (which is 512 GiB aligned too: page tables at
/// every level are shared, and freed, alike). Nothing is placed by hand: every gap above the
/// arena is filled with an inaccessible PROT_NONE placeholder first, so the highest gap the
/// kernel's search finds is the arena, and a guard page at <see cref="Top"/> keeps the first
/// region from merging with whatever lies above. The runtime may still map something of its
/// own there during a run; <see cref="Foreign"/> finds it, and the run is then not comparable.
/// </summary>
internal sealed class AddressArena
{
    public const ulong Span = 1UL << 39; // 512 GiB: one PGD entry on x86-64 with 4 levels
    private const ulong Page = 4096;
    private const int MapNoreserve = 0x4000;
    private const int MapFixedNoreplace = 0x100000;
    /// <summary>An arena object only (nothing reserved): for compiling the code that inspects one ahead of time.</summary>
    internal AddressArena(ulong top) => Top = top;

    /// <summary>The arena is [Top - Span, Top); the guard page is [Top, Top + 4 KiB).</summary>
    public ulong Top { get; }

    public ulong Bottom => Top - Span;

    /// <summary>
    /// Reserves the arena: the highest free aligned span below mmap_base, its guard page, and
    /// placeholders in every gap above it. mmap_base itself is not exported; the top of the
    /// highest mapping other than the stack and vsyscall (the loader and the vDSO were placed
    /// top-down from it) is at or just below it, and the search never looks above mmap_base.
    /// </summary>
    public static AddressArena Prepare()
    {
        List<MapsEntry> maps = ProcMaps.Read();
        ulong ceiling = Ceiling(maps);
        for (ulong top = ceiling & ~(Span - 1); top >= 2 * Span; top -= Span)
        {
            if (Overlaps(maps, top - Span, top + Page))
            {
                continue;
            }

            var arena = new AddressArena(top);
            Place(top, top + Page);
            arena.Refill();
            arena.Sweep();
            return arena;
        }

        throw new InvalidOperationException("no free 512 GiB aligned span below mmap_base");
    }

    /// <summary>Fills every gap between the guard and mmap_base (again before each sequence: the runtime may have unmapped something).</summary>
    public void Refill()
    {
        List<MapsEntry> maps = ProcMaps.Read();
        ulong ceiling = Ceiling(maps);
        ulong at = Top + Page;
        foreach (MapsEntry m in maps.Where(m => m.End > at && m.Start < ceiling))
        {
            if (m.Start > at)
            {
                Place(at, m.Start);
            }

            at = Math.Max(at, m.End);
        }
    }

    private static ulong Ceiling(List<MapsEntry> maps) =>
        maps.Where(m => m.Path is not "[stack]" and not "[vsyscall]").Max(m => m.End);

    /// <summary>
    /// Unmaps what the regions left (each whole range a region's mmap returned), and only
    /// that: a mapping of the runtime's in the arena (code, say) must survive.
    /// </summary>
    public static void Clear(IEnumerable<(IntPtr Start, ulong Length)> regions)
    {
        foreach ((IntPtr start, ulong length) in regions)
        {
            if (Libc.munmap(start, (nuint)length) != 0)
            {
                throw new InvalidOperationException($"munmap of a region failed: {Libc.ErrnoText(Libc.Errno)}");
            }
        }
    }

    /// <summary>vmas in the arena not in <paramref name="ours"/> (by start): the runtime's, mapped during the run.</summary>
    public List<MapsEntry> Foreign(IReadOnlyList<MapsEntry> maps, Func<MapsEntry, bool> ours) =>
        maps.Where(m => m.End > Bottom && m.Start < Top && !ours(m)).ToList();

    /// <summary>
    /// Frees every page table left in the arena: mapped over whole and unmapped again, with
    /// nothing else in its 512 GiB, free_pgtables takes all of them down. The span was free,
    /// but not necessarily of tables: mappings the runtime had there and unmapped next to a
    /// neighbour leave empty tables behind, and the first munmap over them then frees them,
    /// a flush round the model (whose mm starts with none) does not have. Measured: munmap of a
    /// never-touched page with a spinner, 1 round on the host before the sweep, 0 after.
    /// </summary>
    public void Sweep()
    {
        IntPtr p = Libc.mmap((nint)Bottom, unchecked((nuint)Span), 0, Libc.MapPrivate | Libc.MapAnonymous | MapNoreserve | MapFixedNoreplace, -1, 0);
        if (p == (nint)Bottom)
        {
            Libc.munmap(p, unchecked((nuint)Span));
        }
        else if (p != Libc.MapFailed)
        {
            Libc.munmap(p, unchecked((nuint)Span));
        }
    }

    private static bool Overlaps(List<MapsEntry> maps, ulong start, ulong end) => maps.Any(m => m.End > start && m.Start < end);

    private static void Place(ulong start, ulong end)
    {
        IntPtr p = Libc.mmap((nint)start, (nuint)(end - start), 0, Libc.MapPrivate | Libc.MapAnonymous | MapNoreserve | MapFixedNoreplace, -1, 0);
        if (p != (nint)start)
        {
            // Something appeared there meanwhile (EEXIST): it fills the gap as well.
            if (p != Libc.MapFailed)
            {
                Libc.munmap(p, (nuint)(end - start));
            }
        }
    }
}
