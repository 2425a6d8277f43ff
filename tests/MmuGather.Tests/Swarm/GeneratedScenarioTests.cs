using System.Text;

namespace MmuGather.Tests.Swarm;

/// <summary>
/// Swarm testing: scenarios generated from a seed, with whole features switched on or off
/// at random (THP, file mappings, spinners, a tiny TLB, failing batch allocations), run
/// against the correct kernel. Every one must finish with no violation and no leak; a
/// failure names the seed, and the generated YAML is in the assertion message.
/// </summary>
public class GeneratedScenarioTests
{
    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, 400).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void GeneratedScenarioRunsClean(int seed)
    {
        string yaml = Generate(seed);

        var r = TestScenarios.Run(yaml);

        Assert.True(r.Clean, $"seed {seed}: {string.Join("; ", r.Violations.Select(v => $"{v.Checker}: {v.Message} at {v.Step}"))}\n{yaml}");
    }

    [Fact]
    public void GeneratorCoversEveryStepKind()
    {
        string all = string.Concat(Enumerable.Range(1, 60).Select(Generate));

        foreach (string step in new[] { "mmap:", "munmap:", "madvise:", "touch:", "gup_fast:", "spin:", "exit:", "thp: true", "kind: file-shared", "kind: file-private", "fail_alloc" })
        {
            Assert.Contains(step, all, StringComparison.Ordinal);
        }
    }

    /// <summary>Builds a scenario from the seed; deterministic (System.Random with a seed).</summary>
    private static string Generate(int seed)
    {
        var rng = new Random(seed);
        bool thp = rng.Next(3) == 0;
        bool files = rng.Next(2) == 0;
        bool tinyTlb = rng.Next(3) == 0;
        bool failBatches = rng.Next(4) == 0;
        int cpus = rng.Next(2, 5);
        var sb = new StringBuilder();
        sb.Append($"name: swarm-{seed}\n");
        sb.Append($"machine: {{ arch: x86, cpus: {cpus}, memory: 512MiB");
        if (tinyTlb)
        {
            sb.Append(", tlb: { entries: 16, ways: 4 }, walk_cache: { entries: 2 }");
        }

        if (failBatches)
        {
            sb.Append($", fail_alloc: [ {{ site: gather-batch, nth: {rng.Next(1, 4)}, count: {rng.Next(1, 3)} }}, {{ site: table-batch, nth: {rng.Next(1, 3)}, count: 1 }} ]");
        }

        sb.Append(" }\nprocesses:\n");
        int processes = rng.Next(1, 3);
        for (int p = 0; p < processes; p++)
        {
            sb.Append($"  - name: p{p}\n    threads:\n");
            var regions = new List<(string Name, int Pages, bool Huge, int Thread, int Step)>();
            int threads = rng.Next(1, 4);
            for (int t = 0; t < threads; t++)
            {
                sb.Append($"      - cpu: {rng.Next(cpus)}\n        steps:\n");
                int steps = rng.Next(1, 7);
                for (int s = 0; s < steps; s++)
                {
                    sb.Append("          - ").Append(Step(rng, p, t, s, regions, thp, files)).Append('\n');
                }

                if (rng.Next(4) == 0)
                {
                    sb.Append("          - ").Append(rng.Next(2) == 0 ? "spin: {}" : "exit: {}").Append('\n');
                }
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// One step. Threads take turns one step each, so thread t's step s runs after step s of
    /// lower threads and after every earlier step: only regions mapped by then are used.
    /// </summary>
    private static string Step(Random rng, int p, int t, int s, List<(string Name, int Pages, bool Huge, int Thread, int Step)> regions, bool thp, bool files)
    {
        var ready = regions.Where(r => r.Step < s || (r.Step == s && r.Thread < t)).ToList();
        if (ready.Count == 0 || rng.Next(4) == 0)
        {
            bool huge = thp && rng.Next(2) == 0;
            int pages = huge ? 512 * rng.Next(1, 4) : rng.Next(1, 1200);
            string name = $"r{p}_{t}_{s}";
            regions.Add((name, pages, huge, t, s));
            string kind = files && !huge && rng.Next(2) == 0 ? (rng.Next(2) == 0 ? ", kind: file-shared" : ", kind: file-private") : string.Empty;
            return $"mmap: {{ name: {name}, length: {pages * 4}KiB, populate: {(rng.Next(2) == 0 ? "true" : "false")}{kind}{(huge ? ", thp: true" : string.Empty)} }}";
        }

        var (region, total, isHuge, _, _) = ready[rng.Next(ready.Count)];
        int unit = isHuge ? 512 : 1;
        int units = total / unit;
        int first = rng.Next(units);
        int count = rng.Next(1, units - first + 1);
        string range = $"offset: {first * unit * 4}KiB, length: {count * unit * 4}KiB";
        return rng.Next(5) switch
        {
            0 => $"munmap: {{ region: {region}, {range} }}",
            1 => $"madvise: {{ region: {region}, advice: dontneed, {range} }}",
            2 => $"gup_fast: {{ region: {region}, write: {(rng.Next(2) == 0 ? "true" : "false")}, {range} }}",
            _ => $"touch: {{ region: {region}, write: {(rng.Next(2) == 0 ? "true" : "false")}, {range} }}",
        };
    }
}
