namespace MmuGather.Swarm;

/// <summary>The regions of one process so far, in file order, and how to draw its next step.</summary>
internal sealed class SwarmProcessDraw(SwarmRandom rng, SwarmFeatures features, ulong unit, bool thp)
{
    private static readonly string[] s_kinds = ["anon", "file-shared", "file-private"];
    private static readonly string[] s_prots = ["none", "r", "rw", "rw", "rx", "rwx"];

    private readonly List<(string Name, ulong Length, bool File)> _regions = [];

    public SwarmRandom Rng => rng;

    public SwarmFeatures Features => features;

    public ulong Unit => unit;

    public SwarmStep Step(string fresh)
    {
        if (_regions.Count == 0 || rng.OneIn(4))
        {
            return Mmap(fresh);
        }

        // Names are reused whatever became of their region: munmapped, cut, or (in another
        // thread) being unmapped right now; that is where the races are.
        // Half the time one of the process's first two regions: threads then pile onto the
        // same addresses (the races of the bug zoo need two zaps, or a zap and a fault, at once).
        var (name, length, file) = rng.OneIn(2) ? _regions[rng.Next(Math.Min(2, _regions.Count))] : rng.Pick(_regions);
        int roll = rng.Next(file ? 12 : 11);
        if (rng.OneIn(8))
        {
            // mprotect takes rights away (touches then fault, or race it) and gives them back.
            return Range(SwarmStepKind.Mprotect, name, length) with { Prot = rng.Pick(s_prots) };
        }

        return roll switch
        {
            < 3 => Range(SwarmStepKind.Munmap, name, length),
            < 5 => Range(SwarmStepKind.Madvise, name, length),
            < 8 => Range(SwarmStepKind.Touch, name, length) with { Write = rng.OneIn(2), Repeat = rng.OneIn(10) ? rng.Between(2, 3) : 1 },
            < 10 => Range(SwarmStepKind.GupFast, name, length) with { Write = rng.OneIn(2) },
            10 => Mremap(name, length),
            _ => new SwarmStep(SwarmStepKind.Writeback) { Region = name, Repeat = rng.Between(1, 2) },
        };
    }

    private SwarmStep Mmap(string name)
    {
        string kind = features.Files && rng.OneIn(2) ? rng.Pick(s_kinds) : "anon";
        bool huge = thp && kind == "anon" && !rng.OneIn(3);
        ulong length = unit * (ulong)(unit == SwarmGenerator.PageUnit ? Pages() : rng.Between(1, 2));
        _regions.Add((name, length, kind != "anon"));
        // A 2 MiB region of small pages costs 512 faults to populate: populate those less often.
        bool populate = huge || unit == SwarmGenerator.PageUnit ? rng.OneIn(2) : rng.OneIn(4);
        return new SwarmStep(SwarmStepKind.Mmap) { Region = name, Length = length, Populate = populate, MapKind = kind, Thp = huge };
    }

    /// <summary>
    /// Mostly small regions (cheap runs: the cost of a run is its page accesses), some past a
    /// gather batch, a few past the 2.6 gather's 506 pages (gather-batch failures make today's
    /// gather fill at 7 pages, so a full gather needs no huge region).
    /// </summary>
    private int Pages() => rng.Next(10) switch
    {
        < 5 => rng.Between(1, 16),
        < 9 => rng.Between(17, 128),
        _ => rng.Between(129, 600),
    };

    /// <summary>mremap of the whole region to 1 to 2x its mmap length in units (a shrink, a growth, or a move).</summary>
    private SwarmStep Mremap(string name, ulong length)
    {
        ulong units = length / unit;
        return new SwarmStep(SwarmStepKind.Mremap) { Region = name, Length = unit * (ulong)rng.Between(1, (int)(2 * units)), MayMove = rng.OneIn(2) };
    }

    private SwarmStep Range(SwarmStepKind kind, string name, ulong length)
    {
        var step = new SwarmStep(kind) { Region = name };
        if (rng.OneIn(4))
        {
            return step; // the whole region
        }

        ulong units = length / unit;
        ulong first = (ulong)rng.Next((int)units);
        step = step with { Offset = first * unit };
        return rng.OneIn(4) ? step : step with { Length = unit * (ulong)rng.Between(1, (int)(units - first)) };
    }
}
