using System.Text;
using MmuGather.Scenarios;

namespace MmuGather.Tests.Scenarios;

/// <summary>
/// Each <see cref="ScenarioLimits"/> bound: a scenario at the limit parses, one over it is refused
/// with the line of the first element over it and "(limit N)".
/// </summary>
public sealed class ScenarioLimitsTests
{
    private const string SourceFile = "scenarios/limits.yaml";
    private const string Header = "name: x\nmachine: { cpus: 2 }\nprocesses:\n";

    [Fact]
    public void ProcessesAtAndOverTheLimit()
    {
        _ = Parse(Processes(64));

        AssertRefused(Processes(65), 3 + (64 * 5) + 1, "more than 64 processes (limit 64)");
    }

    [Fact]
    public void ThreadsAtAndOverTheLimit()
    {
        // 65 processes would trip the process limit first: 4 processes of 64 threads, then one more thread.
        var limits = ScenarioLimits.Default with { Processes = 8 };
        _ = ScenarioParser.Parse(Threads(4, 64, extra: 0), SourceFile, limits);

        ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioParser.Parse(Threads(4, 64, extra: 1), SourceFile, limits));
        Assert.Equal("more than 256 threads in all (limit 256)", e.What);
        Assert.Equal(3 + (4 * (2 + (64 * 3))) + 1 + 2, e.Line);
    }

    [Fact]
    public void StepsOfOneThreadAtAndOverTheLimit()
    {
        _ = Parse(Steps(2_048));

        AssertRefused(Steps(2_049), 7 + 2_049, "more than 2048 steps in one thread (limit 2048)");
    }

    [Fact]
    public void StepsInAllAtAndOverTheLimit()
    {
        string two = Header + ProcessWithSteps("a", 2_048) + ProcessWithSteps("b", 2_048);
        _ = Parse(two);

        string over = two + ProcessWithSteps("c", 1);
        AssertRefused(over, 3 + (2 * (4 + 2_048)) + 4 + 1, "more than 4096 steps in all (limit 4096)");
    }

    [Fact]
    public void AFileAtTheStepLimitsWithEveryArgumentWrittenOutIsWithinTheNodeLimit()
    {
        const string Touch = "          - touch: { region: f, write: true, offset: 0, length: 4KiB, repeat: 1 }\n";
        string yaml = Header + "  - name: a\n    threads:\n      - cpu: 0\n        steps:\n"
            + "          - mmap: { name: f, length: 4KiB, populate: true, kind: anon, thp: false }\n"
            + string.Concat(Enumerable.Repeat(Touch, 2_047))
            + "      - cpu: 1\n        steps:\n" + string.Concat(Enumerable.Repeat(Touch, 2_048));

        Scenario scenario = Parse(yaml);

        Assert.Equal(4_096, scenario.Processes[0].Threads.Sum(t => t.Steps.Count));
    }

    [Theory]
    [InlineData(64, false)]
    [InlineData(65, true)]
    public void DepthAtAndOverTheLimit(int depth, bool refused)
    {
        // The top-level mapping is level 1, 'seed' holds the rest: a type error, not a depth error, at 64.
        string yaml = "name: x\nprocesses: []\nseed: " + new string('[', depth - 1) + new string(']', depth - 1) + "\n";

        ScenarioException e = Assert.Throws<ScenarioException>(() => Parse(yaml));

        Assert.Equal(refused, e.What.EndsWith("(limit 64)", StringComparison.Ordinal));
        Assert.Equal(3, e.Line);
    }

    [Fact]
    public void NodesCountAliasesAsWhatTheyExpandTo()
    {
        var limits = ScenarioLimits.Default with { Nodes = 100 };
        string laughs = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n";

        ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioParser.Parse(laughs + "name: x\nprocesses: []\n", SourceFile, limits));

        Assert.Equal("the YAML has more than 100 nodes once aliases are expanded (limit 100)", e.What);
        Assert.Equal(2, e.Line);
    }

    [Fact]
    public void ARecursiveAliasIsRefused()
    {
        ScenarioException e = Assert.Throws<ScenarioException>(() => Parse("name: x\nprocesses: &p\n  - *p\n"));

        Assert.Equal("alias '*p' refers to a node that contains it (a recursive structure)", e.What);
        Assert.Equal(3, e.Line);
    }

    [Fact]
    public void TextOverTheSizeLimitIsRefusedAtTheLineTheLimitFallsOn()
    {
        var limits = ScenarioLimits.Default with { FileBytes = 21 };
        ScenarioException atLimit = Assert.Throws<ScenarioException>(() => ScenarioParser.Parse("name: x\nprocesses: []", SourceFile, limits));
        Assert.Equal("'processes' must list at least one process", atLimit.What);

        ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioParser.Parse("name: x\nprocesses: []\n", SourceFile, limits));

        Assert.Equal("the file is larger than 21 bytes (limit 21)", e.What);
        Assert.Equal(2, e.Line);
    }

    [Fact]
    public void AFileOfExactlyTheSizeLimitIsRead()
    {
        string path = Path.GetTempFileName();
        try
        {
            string yaml = "name: x\nprocesses: []\n";
            File.WriteAllText(path, yaml, new UTF8Encoding(false));
            var limits = ScenarioLimits.Default with { FileBytes = yaml.Length };

            ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioParser.ParseFile(path, limits));
            Assert.Equal("'processes' must list at least one process", e.What);

            e = Assert.Throws<ScenarioException>(() => ScenarioParser.ParseFile(path, limits with { FileBytes = yaml.Length - 1 }));
            Assert.Equal($"the file is larger than {yaml.Length - 1} bytes (limit {yaml.Length - 1})", e.What);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void PageAccessesCountPopulateTouchTimesRepeatGupAndWriteback()
    {
        // 16 populated + 2 x 16 touched + 8 pinned + 3 x 16 written back = 104 pages.
        string yaml = Header + "  - name: a\n    threads:\n      - cpu: 0\n        steps:\n"
            + "          - mmap: { name: f, length: 64KiB, populate: true, kind: file-shared }\n"
            + "          - touch: { region: f, repeat: 2 }\n"
            + "          - gup_fast: { region: f, offset: 32KiB }\n"
            + "          - writeback: { region: f, repeat: 3 }\n"
            + "          - munmap: { region: f }\n";
        _ = ScenarioParser.Parse(yaml, SourceFile, ScenarioLimits.Default with { PageAccesses = 104 });

        ScenarioException e = Assert.Throws<ScenarioException>(
            () => ScenarioParser.Parse(yaml, SourceFile, ScenarioLimits.Default with { PageAccesses = 103 }));

        Assert.Equal("the steps up to this one imply 104 page accesses, more than the simulator runs in reasonable time (limit 103)", e.What);
        Assert.Equal(11, e.Line);
    }

    [Fact]
    public void BeyondEightThreadsAPageAccessWeighsThreadsOverEight()
    {
        // 16 threads: each of the 64 populated pages weighs 2.
        string yaml = Header + "  - name: a\n    threads:\n      - cpu: 0\n        steps:\n"
            + "          - mmap: { name: f, length: 256KiB, populate: true }\n"
            + string.Concat(Enumerable.Repeat("      - cpu: 1\n        steps: [ spin ]\n", 15));
        _ = ScenarioParser.Parse(yaml, SourceFile, ScenarioLimits.Default with { PageAccesses = 128 });

        ScenarioException e = Assert.Throws<ScenarioException>(
            () => ScenarioParser.Parse(yaml, SourceFile, ScenarioLimits.Default with { PageAccesses = 127 }));

        Assert.Equal("the steps up to this one imply 64 page accesses, which weigh 128 with 16 threads and this machine's CPUs, TLB and walk cache (see docs/scenario-limits.md), more than the simulator runs in reasonable time (limit 127)", e.What);
        Assert.Equal(8, e.Line);
    }

    [Fact]
    public void ALargeTlbOrWalkCacheWeighsEveryAccessAndEveryStep()
    {
        // Ways + walk-cache entries 2,048: each of the 16 pages weighs 2. 64 CPUs of 2,048 + 1,024
        // entries: each of the 2 steps weighs (196,608 - 65,536) / 1,024 = 128. 32 + 256 = 288.
        string yaml = "name: x\nmachine: { cpus: 64, tlb: { entries: 2048, ways: 1024 }, walk_cache: { entries: 1024 } }\nprocesses:\n"
            + "  - name: a\n    threads:\n      - cpu: 0\n        steps:\n"
            + "          - mmap: { name: f, length: 64KiB, populate: true }\n          - munmap: { region: f }\n";
        _ = ScenarioParser.Parse(yaml, SourceFile, ScenarioLimits.Default with { PageAccesses = 288 });

        ScenarioException e = Assert.Throws<ScenarioException>(
            () => ScenarioParser.Parse(yaml, SourceFile, ScenarioLimits.Default with { PageAccesses = 287 }));

        Assert.StartsWith("the steps up to this one imply 16 page accesses, which weigh 288 with 1 thread", e.What);
        Assert.Equal(9, e.Line);
    }

    [Fact]
    public void ALengthTimesARepeatBeyondSixtyFourBitsIsStillCounted()
    {
        string yaml = Header + "  - name: a\n    threads:\n      - cpu: 0\n        steps:\n"
            + "          - mmap: { name: f, length: 16000000TiB }\n"
            + "          - touch: { region: f, repeat: 1000000 }\n";

        ScenarioException e = Assert.Throws<ScenarioException>(() => Parse(yaml));

        Assert.EndsWith("(limit 16777216)", e.What);
        Assert.Equal(9, e.Line);
    }

    private static Scenario Parse(string yaml) => ScenarioParser.Parse(yaml, SourceFile);

    private static void AssertRefused(string yaml, int line, string what)
    {
        ScenarioException e = Assert.Throws<ScenarioException>(() => Parse(yaml));
        Assert.Equal(what, e.What);
        Assert.Equal(line, e.Line);
    }

    /// <summary>Five lines per process.</summary>
    private static string Processes(int count) =>
        Header + string.Concat(Enumerable.Range(0, count).Select(i => $"  - name: p{i}\n    threads:\n      - cpu: 0\n        steps:\n          - spin\n"));

    /// <summary>Processes of 2 + 3 lines per thread, then one more process with <paramref name="extra"/> threads.</summary>
    private static string Threads(int processes, int threadsEach, int extra)
    {
        var sb = new StringBuilder(Header);
        for (int p = 0; p < processes; p++)
        {
            sb.Append($"  - name: p{p}\n    threads:\n");
            sb.Append(string.Concat(Enumerable.Repeat("      - cpu: 0\n        steps:\n          - spin\n", threadsEach)));
        }

        if (extra > 0)
        {
            sb.Append("  - name: extra\n    threads:\n");
            sb.Append(string.Concat(Enumerable.Repeat("      - cpu: 0\n        steps:\n          - spin\n", extra)));
        }

        return sb.ToString();
    }

    /// <summary>One thread; step N is on line 7 + N.</summary>
    private static string Steps(int count) => Header + ProcessWithSteps("a", count);

    /// <summary>4 lines, then one line per step.</summary>
    private static string ProcessWithSteps(string name, int count) =>
        $"  - name: {name}\n    threads:\n      - cpu: 0\n        steps:\n" + string.Concat(Enumerable.Repeat("          - spin\n", count));
}
