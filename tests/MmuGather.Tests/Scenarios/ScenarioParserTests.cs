using MmuGather.Scenarios;

namespace MmuGather.Tests.Scenarios;

/// <summary>Tests for <see cref="ScenarioParser"/>: the happy path, every error class, malformed YAML and lengths.</summary>
public sealed class ScenarioParserTests
{
    private const string SourceFile = "scenarios/test.yaml";

    private const string Example = """
        name: munmap-1gib-two-cpus
        seed: 42                      # optional ulong
        machine: { arch: x86, cpus: 2, memory: 4GiB }
        kernel: { bugs: [] }          # optional
        processes:
          - name: app
            threads:
              - cpu: 0
                steps:
                  - mmap: { name: buf, length: 1GiB, populate: true }
                  - munmap: { region: buf }
              - cpu: 1
                steps:
                  - spin: {}          # a thread of the same process keeps the mm live on CPU 1
        """;

    public static TheoryData<string, string, int, string> Errors => new()
    {
        // Top level.
        { "unknown top-level key", "name: t\nprocesses: []\nfoo: 1\n", 3, "unknown key 'foo' at top level (expected one of: name, seed, machine, kernel, processes)" },
        { "missing name", "seed: 1\nprocesses: []\n", 1, "missing required key 'name' at top level" },
        { "empty name", "name:\nprocesses: []\n", 1, "'name' must be a non-empty string, got nothing" },
        { "missing processes", "name: t\n", 1, "missing required key 'processes' at top level" },
        { "empty processes", "name: t\nprocesses: []\n", 2, "'processes' must list at least one process" },
        { "processes not a sequence", "name: t\nprocesses: { a: 1 }\n", 2, "'processes' must be a sequence, got a mapping" },
        { "negative seed", "name: t\nseed: -1\nprocesses: []\n", 2, "'seed' must be a non-negative decimal integer, got '-1'" },
        { "hex seed", "name: t\nseed: 0x10\nprocesses: []\n", 2, "'seed' must be a non-negative decimal integer, got '0x10'" },
        { "seed overflow", "name: t\nseed: 18446744073709551616\nprocesses: []\n", 2, "'seed' must be at most 18446744073709551615" },
        { "top level is a sequence", "- a\n- b\n", 1, "the top level must be a mapping, got a sequence" },

        // Machine.
        { "unknown arch", Machine("{ arch: vax }"), 1, $"'arch' must be one of {string.Join(", ", MmuGather.Sim.Architectures.Names)}, got 'vax'" },
        { "zero cpus", Machine("{ cpus: 0 }"), 1, "'cpus' must be between 1 and 64, got 0" },
        { "too many cpus", Machine("{ cpus: 65 }"), 1, "'cpus' must be between 1 and 64, got 65" },
        { "cpus not a number", Machine("{ cpus: two }"), 1, "'cpus' must be a non-negative decimal integer, got 'two'" },
        { "memory too small", Machine("{ memory: 512KiB }"), 1, "'memory' must be between 1 MiB and 64 GiB, got 0x80000" },
        { "memory too large", Machine("{ memory: 128GiB }"), 1, "'memory' must be between 1 MiB and 64 GiB" },
        { "memory unaligned", Machine("{ memory: 1048577 }"), 1, "memory 0x100001 is not page aligned (4096)" },
        { "memory bad unit", Machine("{ memory: 3 Mb }"), 1, "bad length '3 Mb' (use bytes or a number with KiB, MiB, GiB, TiB)" },
        { "unknown machine key", Machine("{ cpu: 2 }"), 1, "unknown key 'cpu' in 'machine' (expected one of: arch, cpus, memory, tlb, walk_cache, fail_alloc)" },
        { "machine not a mapping", Machine("[x86]"), 1, "'machine' must be a mapping, got a sequence" },
        { "tlb entries below ways", Machine("{ tlb: { entries: 8, ways: 16 } }"), 1, "tlb 'entries' (8) must be at least 'ways' (16)" },
        { "tlb entries not multiple of ways", Machine("{ tlb: { entries: 100, ways: 12 } }"), 1, "tlb 'entries' (100) must be a multiple of 'ways' (12)" },
        { "tlb zero ways", Machine("{ tlb: { entries: 8, ways: 0 } }"), 1, "'ways' must be between 1 and 1048576, got 0" },
        { "walk cache zero", Machine("{ walk_cache: { entries: 0 } }"), 1, "'entries' must be between 1 and 1048576, got 0" },
        { "fail_alloc bad site", Machine("\n  fail_alloc:\n    - { site: heap, nth: 1 }"), 3, "'site' must be one of user-page, page-table, gather-batch, table-batch, got 'heap'" },
        { "fail_alloc zero nth", Machine("\n  fail_alloc:\n    - { site: user-page, nth: 0 }"), 3, "'nth' must be at least 1, got 0" },
        { "fail_alloc zero count", Machine("\n  fail_alloc:\n    - { site: user-page, nth: 1, count: 0 }"), 3, "'count' must be at least 1, got 0" },
        { "fail_alloc missing nth", Machine("\n  fail_alloc:\n    - { site: user-page }"), 3, "missing required key 'nth' in a 'fail_alloc' entry" },

        // Kernel.
        { "unknown bug", "kernel: { bugs: [no-flush] }\n" + OneProcess, 1, $"unknown bug 'no-flush' (known: {string.Join(", ", ScenarioParser.KnownBugs)})" },
        { "unknown kernel key", "kernel: { bug: [] }\n" + OneProcess, 1, "unknown key 'bug' in 'kernel' (expected one of: bugs, gather, flush_api)" },

        // Processes and threads.
        { "duplicate process", OneProcess + "  - name: app\n    threads:\n      - { cpu: 0, steps: [] }\n", 6, "process name 'app' is already used by the process on line 3" },
        { "empty threads", "name: t\nprocesses:\n  - name: app\n    threads: []\n", 4, "'threads' of process 'app' must list at least one thread" },
        { "missing threads", "name: t\nprocesses:\n  - name: app\n", 3, "missing required key 'threads' in a process" },
        { "missing cpu", "name: t\nprocesses:\n  - name: app\n    threads:\n      - steps: []\n", 5, "a thread needs 'cpu: N' (pinned) or 'cpus: [N, ...]' (may run on any of them, starting on the first)" },
        { "cpu and cpus", "name: t\nprocesses:\n  - name: app\n    threads:\n      - { cpu: 0, cpus: [0], steps: [] }\n", 5, "give either 'cpu' or 'cpus', not both" },
        { "cpus beyond machine", "name: t\nprocesses:\n  - name: app\n    threads:\n      - { cpus: [0, 5], steps: [] }\n", 5, "thread runs on cpu 5 but the machine has 2 CPUs (0..1)" },
        { "missing steps", "name: t\nprocesses:\n  - name: app\n    threads:\n      - cpu: 0\n", 5, "missing required key 'steps' in a thread" },
        { "cpu beyond machine given later", CpuBeyondMachine, 7, "thread runs on cpu 2 but the machine has 2 CPUs (0..1)" },
        { "unknown thread key", "name: t\nprocesses:\n  - name: app\n    threads:\n      - { cpu: 0, steps: [], prio: 1 }\n", 5, "unknown key 'prio' in a thread (expected one of: cpu, cpus, steps)" },

        // Steps.
        { "unknown step", WithStep("- mremap: {}"), 8, "unknown step 'mremap' (expected one of: mmap, munmap, madvise, touch, gup_fast, writeback, spin, exit, exit_group)" },
        { "unknown mmap key", WithStep("- mmap: { name: b2, lenght: 4096 }"), 8, "unknown key 'lenght' in 'mmap' (expected one of: name, length, populate, kind, thp)" },
        { "two keys in a step", WithStep("- mmap:\n            name: b2"), 8, "a step must have exactly one key, the step name, got 2 ('mmap', 'name')" },
        { "empty step mapping", WithStep("- {}"), 8, "a step must have exactly one key, the step name, got an empty mapping" },
        { "step is a sequence", WithStep("- [mmap]"), 8, "each step must be a mapping such as '- mmap: { ... }', got a sequence" },
        { "bare mmap", WithStep("- mmap"), 8, "step 'mmap' needs its arguments" },
        { "mmap missing length", WithStep("- mmap: { name: b2 }"), 8, "missing required key 'length' in 'mmap'" },
        { "mmap null args", WithStep("- mmap:"), 8, "missing required key 'name' in 'mmap'" },
        { "mmap zero length", WithStep("- mmap: { name: b2, length: 0 }"), 8, "'length' must be greater than 0" },
        { "mmap unaligned length", WithStep("- mmap: { name: b2, length: 100 }"), 8, "length 0x64 is not page aligned (4096)" },
        { "mmap populate yes", WithStep("- mmap: { name: b2, length: 4096, populate: yes }"), 8, "'populate' must be true or false, got 'yes'" },
        { "mmap bad kind", WithStep("- mmap: { name: b2, length: 4096, kind: shm }"), 8, "'kind' must be one of anon, file-shared, file-private, got 'shm'" },
        { "thp on file mapping", WithStep("- mmap: { name: b2, length: 2MiB, kind: file-shared,\n                    thp: true }"), 9, "thp is only supported for anon mappings" },
        { "duplicate region", WithStep("- mmap: { name: buf, length: 4096 }"), 8, "region 'buf' is already defined by the mmap on line 7 in process 'app'" },
        { "undefined region", WithStep("- munmap: { region: nope }"), 8, "region 'nope' is not defined by any mmap in process 'app'" },
        { "region used before its mmap", WithStep("- touch: { region: late }\n          - mmap: { name: late, length: 4096 }"), 8, "region 'late' is not defined by any mmap in process 'app' before this step (its mmap is on line 9)" },
        { "unaligned offset", WithStep("- munmap: { region: buf, offset: 0x800 }"), 8, "offset 0x800 is not page aligned (4096)" },
        { "zero length", WithStep("- touch: { region: buf, length: 0 }"), 8, "'length' must be greater than 0" },
        { "offset past end", WithStep("- munmap: { region: buf, offset: 64KiB }"), 8, "offset 0x10000 is beyond the end of region 'buf' (length 0x10000)" },
        { "range past end", WithStep("- gup_fast: { region: buf, offset: 60KiB, length: 8KiB }"), 8, "offset 0xf000 + length 0x2000 exceeds region 'buf' (length 0x10000)" },
        { "bad advice", WithStep("- madvise: { region: buf, advice: free }"), 8, "'advice' must be one of dontneed, got 'free'" },
        { "missing advice", WithStep("- madvise: { region: buf }"), 8, "missing required key 'advice' in 'madvise'" },
        { "missing region", WithStep("- touch: { write: true }"), 8, "missing required key 'region' in 'touch'" },
        { "touch write not bool", WithStep("- touch: { region: buf, write: 1 }"), 8, "'write' must be true or false, got '1'" },
        { "spin with a key", WithStep("- spin: { cpu: 1 }"), 8, "unknown key 'cpu' in 'spin' (it takes no keys)" },
        { "bad length unit in step", WithStep("- touch: { region: buf, length: 4k }"), 8, "bad length '4k' (use bytes or a number with KiB, MiB, GiB, TiB)" },

        // Malformed YAML and odd documents.
        { "empty file", "", 1, "the file is empty" },
        { "two documents", "name: t\n---\nname: u\n", 3, "the file must hold a single YAML document, found 2" },
        { "unclosed flow mapping", "name: t\nmachine: { arch: x86, cpus: 2\nprocesses: []\n", 2, "malformed YAML" },
        { "unclosed flow sequence", "name: t\nkernel: { bugs: [a\nprocesses: []\n", 2, "malformed YAML" },
        { "duplicate key", "name: t\nname: u\nprocesses: []\n", 2, "malformed YAML: duplicate key 'name'" },
        { "unterminated quote", "name: \"t\nprocesses: []\n", 1, "malformed YAML" },
        { "unknown alias", "name: *who\nprocesses: []\n", 1, "malformed YAML" },
    };

    /// <summary>Table for <see cref="ScenarioParser.ParseLength"/>.</summary>
    public static TheoryData<string, ulong> GoodLengths => new()
    {
        { "0", 0 },
        { "4096", 4096 },
        { "0x1000", 4096 },
        { "0XfF", 255 },
        { "12B", 12 },
        { "12 B", 12 },
        { "16KiB", 16 << 10 },
        { "2 MiB", 2 << 20 },
        { "1GiB", 1UL << 30 },
        { "3 TiB", 3UL << 40 },
        { "0x10 KiB", 16 << 10 },
        { "18446744073709551615", ulong.MaxValue },
        { "16777215 TiB", 16777215UL << 40 },
    };

    public static TheoryData<string> BadLengths => new()
    {
        "",
        " ",
        "4k",
        "4K",
        "4KB",
        "3 Mb",
        "2mib",
        "2  MiB",
        " 2MiB",
        "2MiB ",
        "MiB",
        "-1",
        "+1",
        "1.5GiB",
        "1_000",
        "0x",
        "0xg",
        "1e3",
    };

    private static string OneProcess => "name: t\nprocesses:\n  - name: app\n    threads:\n      - { cpu: 0, steps: [] }\n";

    private static string CpuBeyondMachine => """
        name: t
        processes:
          - name: app
            threads:
              - cpu: 0
                steps: []
              - cpu: 2
                steps: []
        machine: { cpus: 2 }
        """;

    [Fact]
    public void Example_ParsesToExpectedRecords()
    {
        Scenario scenario = ScenarioParser.Parse(Example, SourceFile);

        Assert.Equal("munmap-1gib-two-cpus", scenario.Name);
        Assert.Equal(SourceFile, scenario.SourcePath);
        Assert.Equal(42UL, scenario.Seed);
        AssertMachine(MachineSpec.Default with { MemoryBytes = 4UL << 30 }, scenario.Machine);
        Assert.Empty(scenario.Kernel.Bugs);
        ProcessSpec process = Assert.Single(scenario.Processes);
        Assert.Equal(("app", 6, 2), (process.Name, process.Line, process.Threads.Count));
        ThreadSpec t0 = process.Threads[0];
        ThreadSpec t1 = process.Threads[1];
        Assert.Equal((0, 8), (t0.Cpu, t0.Line));
        Assert.Equal((1, 12), (t1.Cpu, t1.Line));
        Assert.Equal<Step>([new MmapStep(10, "buf", 1UL << 30, true, MappingKind.Anon, false), new MunmapStep(11, "buf", 0, null)], t0.Steps);
        Assert.Equal<Step>([new SpinStep(14)], t1.Steps);
    }

    [Fact]
    public void MinimalFile_UsesDefaults()
    {
        Scenario scenario = ScenarioParser.Parse("name: t\nprocesses:\n  - name: p\n    threads: [{ cpu: 1, steps: [] }]\n", SourceFile);

        Assert.Null(scenario.Seed);
        AssertMachine(MachineSpec.Default, scenario.Machine);
        Assert.Empty(scenario.Machine.FailAllocations);
        Assert.Same(KernelSpec.Default, scenario.Kernel);
        Assert.Empty(Assert.Single(Assert.Single(scenario.Processes).Threads).Steps);
    }

    [Fact]
    public void FullMachine_ParsesEveryField()
    {
        const string yaml = """
            name: t
            machine:
              arch: x86
              cpus: 64
              memory: 0x100000
              tlb: { entries: 64, ways: 4 }
              walk_cache: { entries: 8 }
              fail_alloc:
                - { site: page-table, nth: 3 }
                - site: gather-batch
                  nth: 1
                  count: 2
            processes:
              - name: p
                threads: [{ cpu: 63, steps: [] }]
            """;

        MachineSpec machine = ScenarioParser.Parse(yaml, SourceFile).Machine;

        AssertMachine(new MachineSpec("x86", 64, 1UL << 20, 64, 4, 8, []), machine);
        Assert.Equal<AllocFailureSpec>(
            [new AllocFailureSpec("page-table", 3, null, 9), new AllocFailureSpec("gather-batch", 1, 2, 10)],
            machine.FailAllocations);
    }

    [Fact]
    public void EveryStepKind_Parses()
    {
        const string yaml = """
            name: t
            processes:
              - name: p
                threads:
                  - cpu: 0
                    steps:
                      - mmap: { name: a, length: 2 MiB, kind: anon, thp: true }
                      - mmap: { name: f, length: 0x3000, kind: file-private }
                      - touch: { region: a, write: true, offset: 4KiB, length: 8KiB }
                      - gup_fast: { region: a }
                      - madvise: { region: a, advice: dontneed, length: 1MiB }
                      - spin
                      - spin:
                      - exit
                  - cpu: 1
                    steps:
                      - munmap: { region: f, offset: 4096 }
                      - exit: {}
            """;

        ProcessSpec process = Assert.Single(ScenarioParser.Parse(yaml, SourceFile).Processes);

        Assert.Equal<Step>(
            [
                new MmapStep(7, "a", 2UL << 20, false, MappingKind.Anon, true),
                new MmapStep(8, "f", 0x3000, false, MappingKind.FilePrivate, false),
                new TouchStep(9, "a", true, 4096, 8192),
                new GupFastStep(10, "a", false, 0, null),
                new MadviseStep(11, "a", "dontneed", 0, 1UL << 20),
                new SpinStep(12),
                new SpinStep(13),
                new ExitStep(14),
            ],
            process.Threads[0].Steps);
        Assert.Equal<Step>([new MunmapStep(17, "f", 4096, null), new ExitStep(18)], process.Threads[1].Steps);
    }

    [Fact]
    public void RegionDefinedByEarlierThread_IsAccepted()
    {
        const string yaml = """
            name: t
            processes:
              - name: p
                threads:
                  - { cpu: 0, steps: [{ mmap: { name: a, length: 4096 } }] }
                  - { cpu: 1, steps: [{ munmap: { region: a } }] }
              - name: q
                threads:
                  - { cpu: 0, steps: [{ mmap: { name: a, length: 4096 } }] }
            """;

        Scenario scenario = ScenarioParser.Parse(yaml, SourceFile);

        Assert.Equal(2, scenario.Processes.Count);
    }

    [Fact]
    public void RegionOfAnotherProcess_IsRejected()
    {
        const string yaml = """
            name: t
            processes:
              - name: p
                threads: [{ cpu: 0, steps: [{ mmap: { name: a, length: 4096 } }] }]
              - name: q
                threads: [{ cpu: 0, steps: [{ touch: { region: a } }] }]
            """;

        AssertError(yaml, 6, "region 'a' is not defined by any mmap in process 'q'");
    }

    [Theory]
    [MemberData(nameof(Errors))]
    public void BadInput_ThrowsScenarioExceptionAtLine(string name, string yaml, int line, string what)
    {
        Assert.NotEmpty(name);
        AssertError(yaml, line, what);
    }

    [Fact]
    public void BadIndentation_ThrowsScenarioExceptionWithLine()
    {
        const string yaml = "name: t\nprocesses:\n  - name: app\n   threads: []\n";

        ScenarioException ex = Assert.Throws<ScenarioException>(() => ScenarioParser.Parse(yaml, SourceFile));

        Assert.InRange(ex.Line, 3, 4);
        Assert.StartsWith($"{SourceFile}:{ex.Line}: malformed YAML", ex.Message);
    }

    [Fact]
    public void ParseFile_MissingFile_ReportsFileNotFound()
    {
        string path = Path.Combine(Path.GetTempPath(), "mmugather-no-such-dir", "missing.yaml");

        ScenarioException ex = Assert.Throws<ScenarioException>(() => ScenarioParser.ParseFile(path));

        Assert.Equal((path, 0, "file not found"), (ex.File, ex.Line, ex.What));
    }

    [Fact]
    public void ParseFile_ReadsFileAndNamesItInErrors()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mmugather-parser-test-{Environment.ProcessId}.yaml");
        try
        {
            File.WriteAllText(path, Example);
            Assert.Equal(path, ScenarioParser.ParseFile(path).SourcePath);

            File.WriteAllText(path, "name: t\nbogus: 1\n");
            ScenarioException ex = Assert.Throws<ScenarioException>(() => ScenarioParser.ParseFile(path));
            Assert.StartsWith($"{path}:2: unknown key 'bogus'", ex.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [MemberData(nameof(GoodLengths))]
    public void ParseLength_AcceptsBytesAndIecUnits(string text, ulong expected)
    {
        Assert.Equal(expected, ScenarioParser.ParseLength(text));
    }

    [Theory]
    [MemberData(nameof(BadLengths))]
    public void ParseLength_RejectsOtherSpellings(string text)
    {
        ScenarioException ex = Assert.Throws<ScenarioException>(() => ScenarioParser.ParseLength(text));

        Assert.Equal($"bad length '{text}' (use bytes or a number with KiB, MiB, GiB, TiB)", ex.What);
    }

    [Theory]
    [InlineData("18446744073709551616")]
    [InlineData("0x10000000000000000")]
    [InlineData("16777216 TiB")]
    [InlineData("17179869184GiB")]
    public void ParseLength_RejectsOverflow(string text)
    {
        ScenarioException ex = Assert.Throws<ScenarioException>(() => ScenarioParser.ParseLength(text));

        Assert.Equal($"length '{text}' is too large (it does not fit in 64 bits)", ex.What);
    }

    private static string Machine(string value) => $"machine: {value}\n" + OneProcess;

    /// <summary>A one-thread process whose steps are an mmap of 'buf' (64 KiB, line 7) and then <paramref name="step"/> on line 8.</summary>
    private static string WithStep(string step) => $$"""
        name: t
        processes:
          - name: app
            threads:
              - cpu: 0
                steps:
                  - mmap: { name: buf, length: 64KiB }
                  {{step}}

        """;

    private static void AssertError(string yaml, int line, string what)
    {
        ScenarioException ex = Assert.Throws<ScenarioException>(() => ScenarioParser.Parse(yaml, SourceFile));

        Assert.Equal(SourceFile, ex.File);
        Assert.Equal(line, ex.Line);
        Assert.StartsWith(what, ex.What);
        Assert.Equal($"{SourceFile}:{line}: {ex.What}", ex.Message);
    }

    /// <summary>Compares every field except <see cref="MachineSpec.FailAllocations"/>.</summary>
    private static void AssertMachine(MachineSpec expected, MachineSpec actual)
    {
        Assert.Equal(
            (expected.Arch, expected.Cpus, expected.MemoryBytes, expected.TlbEntries, expected.TlbWays, expected.WalkCacheEntries),
            (actual.Arch, actual.Cpus, actual.MemoryBytes, actual.TlbEntries, actual.TlbWays, actual.WalkCacheEntries));
    }
}
