using System.Globalization;

namespace MmuGather.Cli.Native;

/// <summary>One line of /proc/PID/maps: a vma as the kernel reports it.</summary>
internal sealed record MapsEntry(ulong Start, ulong End, string Perms, string Path)
{
    public bool File => Path.Length > 0 && !Path.StartsWith('[');
}

/// <summary>Reads /proc/self/maps: the kernel's own account of the address space.</summary>
internal static class ProcMaps
{
    public static List<MapsEntry> Read(string path = "/proc/self/maps")
    {
        var list = new List<MapsEntry>();
        foreach (string line in File.ReadLines(path))
        {
            // start-end perms offset dev inode [path]
            string[] f = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            string[] range = f[0].Split('-');
            list.Add(new MapsEntry(
                ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                f[1],
                f.Length > 5 ? f[5].Trim() : ""));
        }

        return list;
    }

    /// <summary>The first page of [start, end) no vma covers, or null when all of it is mapped.</summary>
    public static ulong? FirstUnmapped(IReadOnlyList<MapsEntry> maps, ulong start, ulong end)
    {
        ulong at = start;
        foreach (MapsEntry e in maps)
        {
            if (e.End <= at)
            {
                continue;
            }

            if (e.Start > at)
            {
                return at;
            }

            at = e.End;
            if (at >= end)
            {
                return null;
            }
        }

        return at < end ? at : null;
    }
}
