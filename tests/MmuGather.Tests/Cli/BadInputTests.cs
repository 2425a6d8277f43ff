namespace MmuGather.Tests.Cli;

/// <summary>Bad input exits 2 with one "error: ..." message that names the file and line, and no stack trace.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mmugather-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void MissingFile()
    {
        string file = Path.Combine(_dir, "nope.yaml");

        CliRun run = CliHarness.Run("run", file);

        AssertBadInput(run, $"error: {file}:0: file not found");
    }

    [Fact]
    public void MalformedYaml()
    {
        string file = Write("bad.yaml", "name: x\nprocesses: [\n");

        CliRun run = CliHarness.Run("run", file);

        AssertBadInput(run, $"error: {file}:3: malformed YAML");
    }

    [Fact]
    public void UnknownKey()
    {
        string file = Write("typo.yaml", "name: x\nprocesses:\n  - name: a\n    threads:\n      - cpu: 0\n        steps:\n          - mmap: { name: b, lenght: 4KiB }\n");

        CliRun run = CliHarness.Run("run", file, "--format", "json");

        AssertBadInput(run, $"error: {file}:7: unknown key 'lenght' in 'mmap'");
    }

    [Fact]
    public void RegionUsedBeforeItIsMappedWaitsForTheMmap()
    {
        // Thread 1's munmap comes up before thread 0 has mapped 'b': it waits (as a program
        // would, on a futex) and runs once the region exists.
        string yaml = "name: x\nprocesses:\n  - name: a\n    threads:\n      - cpu: 0\n        steps:\n          - spin\n          - mmap: { name: b, length: 4KiB }\n      - cpu: 1\n        steps:\n          - munmap: { region: b }\n";
        string file = Write("order.yaml", yaml);

        CliRun run = CliHarness.Run("run", file);

        Assert.Equal(0, run.ExitCode);
        Assert.True(run.Stdout.IndexOf("mmap ", StringComparison.Ordinal) < run.Stdout.IndexOf("munmap", StringComparison.Ordinal), run.Stdout);
    }

    [Fact]
    public void AddressSpaceExhaustedIsTheScenariosFault()
    {
        string yaml = "name: x\nprocesses:\n  - name: a\n    threads:\n      - cpu: 0\n        steps:\n          - mmap: { name: a, length: 100TiB }\n          - mmap: { name: b, length: 100TiB }\n";
        string file = Write("nogap.yaml", yaml);

        CliRun run = CliHarness.Run("run", file);

        AssertBadInput(run, $"error: {file}:8: no gap of 0x640000000000 bytes left");
    }

    [Fact]
    public void DirectoryInsteadOfFile()
    {
        CliRun run = CliHarness.Run("run", _dir);

        AssertBadInput(run, $"error: {_dir}:0: is a directory");
    }

    [Fact]
    public void FiftyThousandOpenBracketsAreRefusedAtTheDepthLimit()
    {
        // Was: a stack overflow, exit 134 and 2.7 MB of stack trace.
        string file = Write("deep.yaml", "name: x\nprocesses: " + new string('[', 50_000) + "\n");

        CliRun run = Timed(() => CliHarness.Run("run", file));

        AssertBadInput(run, $"error: {file}:2: the YAML nests deeper than 64 levels of mappings and sequences (limit 64)");
    }

    [Fact]
    public void DevZeroIsRefusedAfterReadingOneByteOverTheSizeLimit()
    {
        // Was: 4.2 GB resident, then exit 3 after 59 s.
        CliRun run = Timed(() => CliHarness.Run("run", "/dev/zero"));

        AssertBadInput(run, "error: /dev/zero:1: the file is larger than 524288 bytes (limit 524288)");
    }

    [Fact]
    public void AThreadAliasedAThousandTimesIsRefusedByItsExpandedSize()
    {
        // Was: a 46 KB file that ran for hours (1,000 aliases of a 1,000-step thread).
        string steps = string.Concat(Enumerable.Repeat("          - touch: { region: b }\n", 1_000));
        string aliases = string.Join(", ", Enumerable.Repeat("*t", 1_000));
        string yaml = "name: x\nprocesses:\n  - name: a\n    threads:\n      - &t\n        cpu: 0\n        steps:\n"
            + "          - mmap: { name: b, length: 4KiB }\n" + steps + $"  - name: bomb\n    threads: [{aliases}]\n";
        string file = Write("bomb.yaml", yaml);

        CliRun run = Timed(() => CliHarness.Run("run", file));

        AssertBadInput(run, $"error: {file}:1010: the YAML has more than 65536 nodes once aliases are expanded (limit 65536)");
    }

    [Fact]
    public void AValidTenMegabyteScenarioIsRefusedBySize()
    {
        // Was: 898 s of silence. Valid but for its size: 240,000 touches of one page.
        string steps = string.Concat(Enumerable.Repeat("          - touch: { region: b, write: true }\n", 240_000));
        string yaml = "name: x\nprocesses:\n  - name: a\n    threads:\n      - cpu: 0\n        steps:\n          - mmap: { name: b, length: 4KiB }\n" + steps;
        string file = Write("huge.yaml", yaml);
        Assert.True(new FileInfo(file).Length > 10_000_000);

        CliRun run = Timed(() => CliHarness.Run("run", file));

        AssertBadInput(run, $"error: {file}:11403: the file is larger than 524288 bytes (limit 524288)");
    }

    [Fact]
    public void AValidSmallScenarioWithAHugeWorkloadIsRefusedByThePageAccessBudget()
    {
        string yaml = "name: x\nprocesses:\n  - name: a\n    threads:\n      - cpu: 0\n        steps:\n"
            + "          - mmap: { name: b, length: 1GiB, populate: true }\n          - touch: { region: b, repeat: 1000 }\n";
        string file = Write("work.yaml", yaml);

        CliRun run = Timed(() => CliHarness.Run("run", file));

        AssertBadInput(run, $"error: {file}:8: the steps up to this one imply 262406144 page accesses, more than the simulator runs in reasonable time (limit 16777216)");
    }

    [Fact]
    public void PerCpuGatherWithAFileMappingIsRefusedAtParse()
    {
        // Was: a lock-discipline violation at run time (exit 1); docs/cost-model.md says the mode has no file mappings.
        string yaml = "name: x\nkernel: { gather: percpu-2.6 }\nprocesses:\n  - name: a\n    threads:\n      - cpu: 0\n        steps:\n"
            + "          - mmap: { name: f, length: 64KiB, kind: file-shared, populate: true }\n          - munmap: { region: f }\n";
        string file = Write("percpu-file.yaml", yaml);

        CliRun run = CliHarness.Run("run", file);

        AssertBadInput(run, $"error: {file}:8: file mapping 'f' is not supported with 'gather: percpu-2.6'");
    }

    [Theory]
    [InlineData("error: unknown option '--frobnicate' for 'run'", "run", "x.yaml", "--frobnicate")]
    [InlineData("error: unknown option '--seed' for 'demo'", "demo", "--seed", "1")]
    [InlineData("error: unknown option '--bogus'", "--bogus")]
    [InlineData("error: unknown command 'bisect'", "bisect")]
    [InlineData("error: no command given")]
    [InlineData("error: 'run' needs a scenario FILE", "run")]
    [InlineData("error: option '--format' needs a value", "run", "x.yaml", "--format")]
    [InlineData("error: invalid value 'xml' for '--format'", "demo", "--format", "xml")]
    [InlineData("error: invalid value 'seven' for '--seed'", "run", "x.yaml", "--seed", "seven")]
    public void BadCommandLine(string expected, params string[] args)
    {
        CliRun run = CliHarness.Run(args);

        AssertBadInput(run, expected);
        Assert.Contains("--help' for usage", run.Stderr);
    }

    private static void AssertBadInput(CliRun run, string expectedStart)
    {
        Assert.Equal(2, run.ExitCode);
        Assert.Equal(string.Empty, run.Stdout);
        Assert.StartsWith(expectedStart, run.Stderr);
        Assert.DoesNotContain(CliHarness.StackFrameMarker, run.Stderr);
    }

    /// <summary>Bad input is refused in well under a second, whatever its size or shape.</summary>
    private static CliRun Timed(Func<CliRun> run)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        CliRun result = run();
        Assert.True(clock.ElapsedMilliseconds < 1_000, $"took {clock.ElapsedMilliseconds} ms");
        return result;
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
