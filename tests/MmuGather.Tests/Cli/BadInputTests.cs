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

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
