namespace MmuGather.Arch.Common;

/// <summary>
/// Groups the pages of a drained batch into runs of consecutive pages, so that each run is
/// reported as one invalidated range (a zap queues its pages in address order).
/// </summary>
internal static class PageRuns
{
    /// <summary>Runs [Start, End) of consecutive pages of 2^<paramref name="pageShift"/> bytes, in the order given.</summary>
    public static List<(ulong Start, ulong End)> Of(IEnumerable<ulong> pages, int pageShift)
    {
        ulong size = 1UL << pageShift;
        var runs = new List<(ulong Start, ulong End)>();
        foreach (ulong va in pages)
        {
            if (runs.Count > 0 && runs[^1].End == va)
            {
                runs[^1] = (runs[^1].Start, va + size);
            }
            else
            {
                runs.Add((va, va + size));
            }
        }

        return runs;
    }
}
