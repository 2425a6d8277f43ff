using MmuGather.Scenarios;
using MmuGather.Sim.Scheduling;
using MmuGather.Swarm;

namespace MmuGather.Cli.Native.Fuzz;

/// <summary>
/// Draws the differential fuzzer's operation sequences: x86, 2 CPUs, one process whose
/// thread 0 (CPU 0) runs 3..12 operations over 1..4 live regions (mmap of anon, file-shared
/// and file-private memory, munmap, madvise dontneed and touches of whole regions or
/// partial ranges), and in about half the sequences a thread 1 (CPU 1) that only spins.
/// Deterministic: sequence seed -> the same YAML byte for byte (the swarm's dice and writer).
/// <para>
/// Every range stays inside the length its region's mmap asked for (the host keeps a
/// per-page bookkeeping of each region), but may cover pages an earlier munmap took away:
/// that is how touches reach unmapped memory. No thp, exit, writeback or gup_fast: the host
/// side cannot compare them yet.
/// </para>
/// </summary>
internal static class SequenceGenerator
{
    public const ulong Page = 4096;

    public const int MaxPages = 2048;

    public const int MaxLive = 4;

    /// <summary>Page counts at the edges the kernel cares about: PTE-table (512 pages = 2 MiB) and batch boundaries.</summary>
    private static readonly int[] s_edges = [1, 2, 3, 255, 256, 257, 511, 512, 513, 1023, 1024, 1025, 1535, 1536, 1537, 2047, 2048];

    private static readonly string[] s_kinds = ["anon", "file-shared", "file-private"];

    /// <summary>The seed of sequence <paramref name="index"/> of a run started from <paramref name="baseSeed"/>.</summary>
    public static ulong SeedOf(ulong baseSeed, long index) => SplitMix64.Derive(baseSeed, index);

    /// <summary>The sequence drawn from <paramref name="seed"/>.</summary>
    public static SwarmScenario Generate(ulong seed)
    {
        var rng = new SwarmRandom(seed);
        var regions = new List<FuzzRegion>();
        var steps = new List<SwarmStep>();
        int count = rng.Between(3, 12);
        for (int i = 0; i < count; i++)
        {
            steps.Add(NextStep(rng, regions));
        }

        var threads = new List<SwarmThread> { new([0], steps) };
        if (rng.OneIn(2))
        {
            threads.Add(new SwarmThread([1], [new SwarmStep(SwarmStepKind.Spin)]));
        }

        return new SwarmScenario($"fuzz-{seed}", new SwarmMachine("x86", 2), [new SwarmProcess("app", Page, threads)]);
    }

    /// <summary>The YAML of a sequence; <paramref name="header"/> lines become leading comments.</summary>
    public static string Render(SwarmScenario sequence, IEnumerable<string>? header = null) => SwarmYaml.Render(sequence, header);

    /// <summary>The parsed scenario of a sequence (its YAML, without header, named after it).</summary>
    public static Scenario Parse(SwarmScenario sequence) => ScenarioParser.Parse(Render(sequence), sequence.Name + ".yaml");

    private static SwarmStep NextStep(SwarmRandom rng, List<FuzzRegion> regions)
    {
        int live = regions.Count(r => !r.Gone);
        if (live == 0 || (live < MaxLive && rng.OneIn(3)))
        {
            return Mmap(rng, regions);
        }

        FuzzRegion region = PickRegion(rng, regions);
        int roll = rng.Next(9);
        SwarmStepKind kind = roll < 3 ? SwarmStepKind.Munmap : roll < 5 ? SwarmStepKind.Madvise : SwarmStepKind.Touch;
        SwarmStep step = Range(rng, kind, region);
        if (kind == SwarmStepKind.Munmap && step.Offset is null && step.Length is null)
        {
            region.Gone = true;
        }

        return kind == SwarmStepKind.Touch ? step with { Write = rng.OneIn(2) } : step;
    }

    private static SwarmStep Mmap(SwarmRandom rng, List<FuzzRegion> regions)
    {
        // A fresh name every time: the scenario format defines a region name once per process.
        string name = $"r{regions.Count}";
        var region = new FuzzRegion(name, Pages(rng, MaxPages));
        regions.Add(region);
        return new SwarmStep(SwarmStepKind.Mmap)
        {
            Region = name,
            Length = (ulong)region.Pages * Page,
            Populate = rng.OneIn(2),
            MapKind = rng.Pick(s_kinds),
        };
    }

    /// <summary>A live region mostly; now and then one unmapped whole (its name still works).</summary>
    private static FuzzRegion PickRegion(SwarmRandom rng, List<FuzzRegion> regions)
    {
        var gone = regions.Where(r => r.Gone).ToList();
        return gone.Count > 0 && rng.OneIn(6) ? rng.Pick(gone) : rng.Pick(regions.Where(r => !r.Gone).ToList());
    }

    /// <summary>The whole region a third of the time, else a partial range inside it.</summary>
    private static SwarmStep Range(SwarmRandom rng, SwarmStepKind kind, FuzzRegion region)
    {
        var step = new SwarmStep(kind) { Region = region.Name };
        if (rng.OneIn(3) || region.Pages == 1)
        {
            return step;
        }

        int offset = rng.OneIn(3) ? 0 : Math.Min(Pages(rng, region.Pages) - 1, region.Pages - 1);
        int room = region.Pages - offset;
        int? length = rng.OneIn(4) ? null : Math.Min(Pages(rng, room), room);
        return step with
        {
            Offset = offset == 0 ? null : (ulong)offset * Page,
            Length = length is { } l ? (ulong)l * Page : null,
        };
    }

    /// <summary>1..<paramref name="max"/> pages: an edge value, a multiple of 2 MiB, or uniform.</summary>
    private static int Pages(SwarmRandom rng, int max)
    {
        int roll = rng.Next(10);
        var edges = s_edges.Where(e => e <= max).ToList();
        if (roll < 4 && edges.Count > 0)
        {
            return rng.Pick(edges);
        }

        if (roll < 6 && max >= 512)
        {
            return 512 * rng.Between(1, max / 512);
        }

        return rng.Between(1, max);
    }
}
