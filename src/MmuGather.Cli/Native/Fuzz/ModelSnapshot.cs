using MmuGather.Machine;
using MmuGather.Mm;
using MmuGather.Sim;

namespace MmuGather.Cli.Native.Fuzz;

/// <summary>
/// Reads the model's address space the way the host's /proc/PID/maps and mincore(2) show
/// a real one, without changing it (no fault, no scheduling point).
/// </summary>
internal static class ModelSnapshot
{
    /// <summary>The vmas, lowest first, as offsets from mmap_base (the native arena's top is congruent to it).</summary>
    public static IReadOnlyList<VmaView> Layout(Kernel kernel, MmStruct mm)
    {
        ulong origin = kernel.Mmap.MmapBase;
        return [.. mm.Vmas
            .OrderBy(v => v.Start)
            .Select(v => new VmaView((long)(v.Start - origin), (long)(v.End - origin), v.IsShared ? "rw-s" : "rw-p", v.File is not null))];
    }

    /// <summary>Per region name (the latest mmap of that name), one character per page it asked for.</summary>
    public static IReadOnlyDictionary<string, string> Resident(Kernel kernel, SimProcess process)
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach ((string name, Region region) in process.Regions)
        {
            map[name] = RegionPages(kernel, process.Mm, region);
        }

        return map;
    }

    private static string RegionPages(Kernel kernel, MmStruct mm, Region region)
    {
        ulong page = kernel.Geometry.PageSize;
        var chars = new char[(int)(region.Length / page)];
        for (int i = 0; i < chars.Length; i++)
        {
            chars[i] = PageState(kernel, mm, region.Start + ((ulong)i * page));
        }

        return new string(chars);
    }

    /// <summary>
    /// mincore's answer: '-' no vma (ENOMEM), '1' a present PTE or huge PMD, else for a file
    /// vma whether the file's page cache holds the page (mincore_page), for anonymous memory '0'.
    /// </summary>
    private static char PageState(Kernel kernel, MmStruct mm, ulong addr)
    {
        Vma? vma = mm.FindVma(addr);
        if (vma is null || vma.Start > addr)
        {
            return '-';
        }

        if (Mapped(kernel, mm, addr))
        {
            return '1';
        }

        long index = vma.PgOff + (long)((addr - vma.Start) >> kernel.Geometry.PageShift);
        return vma.File is { } file && file.TryGetPage(index, out _) ? '1' : '0';
    }

    private static bool Mapped(Kernel kernel, MmStruct mm, ulong addr)
    {
        Geometry g = kernel.Geometry;
        PtDesc table = mm.Pgd;
        while (table.Level > 0)
        {
            ulong e = table.Entries[g.Index(addr, table.Level)];
            if (table.Level == 1 && Pte.TransHuge(e))
            {
                return true;
            }

            if (!Pte.Present(e))
            {
                return false;
            }

            table = kernel.TableOf(e);
        }

        return Pte.Present(table.Entries[g.Index(addr, 0)]);
    }
}
