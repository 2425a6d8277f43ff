using MmuGather.Machine;

namespace MmuGather.Sim.Trace;

/// <summary>
/// Consecutive frame frees on one CPU, collapsed into one slice: a munmap of 1 GiB frees
/// 262,144 pages, and one event each would dwarf the rest of the trace.
/// </summary>
internal sealed class TraceFreeBatch(int cpu, long start, int firstPfn)
{
    private readonly long[] _byKind = new long[Enum.GetValues<FrameKind>().Length];

    public int Cpu { get; } = cpu;

    public long Start { get; } = start;

    public long End { get; private set; } = start;

    public int FirstPfn { get; } = firstPfn;

    public long Frames { get; private set; }

    public long Pages { get; private set; }

    public void Add(long ts, FrameKind kind, int order)
    {
        End = ts;
        Frames++;
        Pages += 1L << order;
        _byKind[(int)kind]++;
    }

    /// <summary>The slice's args: frames, 4 KiB pages, the first pfn, then a count per kind of frame freed.</summary>
    public IReadOnlyList<TraceArg> Args()
    {
        var args = new List<TraceArg>
        {
            new("frames", Frames),
            new("pages", Pages),
            new("first_pfn", $"0x{FirstPfn:x}"),
        };
        foreach (FrameKind kind in Enum.GetValues<FrameKind>())
        {
            if (_byKind[(int)kind] != 0)
            {
                args.Add(new TraceArg(kind.ToString(), _byKind[(int)kind]));
            }
        }

        return args;
    }
}
