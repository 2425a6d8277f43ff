using System.Text.Json;
using MmuGather.Cli;

namespace MmuGather.Tests.Cli;

/// <summary><c>run --strategy</c> and <c>replay</c>: same report as run, exact replay lines, and <c>--trace</c> files that are valid and byte-identical.</summary>
public sealed class ReplayCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mmugather-replay-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void RunUnderAnotherStrategyNamesItAndReplaysWithIt()
    {
        string file = RepositoryRoot.Combine("scenarios/broken/free-before-flush.yaml");

        CliRun run = CliHarness.Run("run", file, "--seed", "5", "--strategy", "random");

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("scenario  free-before-flush\narch      x86\nseed      5 (--seed)\nstrategy  random\n", run.Stdout);
        Assert.EndsWith($"replay with: mmugather replay {ShellWord.Quote(file)} --seed 5 --strategy random\n", run.Stdout);
    }

    [Fact]
    public void ReplayPrintsTheSameReportAsRun()
    {
        string file = RepositoryRoot.Combine("scenarios/madvise-dontneed.yaml");

        CliRun run = CliHarness.Run("run", file, "--seed", "3", "--strategy", "pct", "--format", "json");
        CliRun replay = CliHarness.Run("replay", file, "--seed", "3", "--strategy", "pct", "--format", "json");
        CliRun turns = CliHarness.Run("replay", file, "--seed", "3", "--strategy", "turns");
        CliRun runTurns = CliHarness.Run("run", file, "--seed", "3");

        Assert.Equal(0, replay.ExitCode);
        Assert.Equal(run.Stdout, replay.Stdout);
        Assert.Equal(runTurns.Stdout, turns.Stdout);
    }

    [Fact]
    public void ReplayDefaultsToRandomLikeExplore()
    {
        string file = RepositoryRoot.Combine("scenarios/munmap-small.yaml");

        CliRun replay = CliHarness.Run("replay", file, "--seed", "11");
        CliRun random = CliHarness.Run("run", file, "--seed", "11", "--strategy", "random");

        Assert.Equal(0, replay.ExitCode);
        Assert.Contains("\nstrategy  random\n", replay.Stdout);
        Assert.Equal(random.Stdout, replay.Stdout);
    }

    [Fact]
    public void TraceIsValidJsonWithATrackPerCpuAndByteIdentical()
    {
        string file = RepositoryRoot.Combine("scenarios/broken/free-before-flush.yaml");
        string first = Path.Combine(_dir, "first.json");
        string second = Path.Combine(_dir, "second.json");

        CliRun a = CliHarness.Run("replay", file, "--seed", "4", "--strategy", "random", "--trace", first);
        CliRun b = CliHarness.Run("replay", file, "--seed", "4", "--strategy", "random", "--trace", second);

        Assert.Equal(1, a.ExitCode);
        Assert.Equal(a.Stdout, b.Stdout);
        Assert.Empty(a.Stderr);
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
        using JsonDocument json = JsonDocument.Parse(File.ReadAllBytes(first));
        JsonElement root = json.RootElement;
        Assert.Equal("ns", root.GetProperty("displayTimeUnit").GetString());
        JsonElement[] events = [.. root.GetProperty("traceEvents").EnumerateArray()];
        string[] trackNames = [.. events.Where(e => e.GetProperty("name").GetString() == "thread_name").Select(e => e.GetProperty("args").GetProperty("name").GetString()!)];
        Assert.Equal(["CPU0", "CPU1"], trackNames);
        Assert.Contains(events, e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("name").GetString() == "munmap");
        Assert.Contains(events, e => e.GetProperty("ph").GetString() == "i" && e.GetProperty("cat").GetString() == "ipi");
        Assert.Equal("16 violations", root.GetProperty("otherData").GetProperty("outcome").GetString());
        Assert.Equal("false", root.GetProperty("otherData").GetProperty("truncated").GetString());
    }

    [Fact]
    public void TraceOfATurnsReplayHasEveryCategory()
    {
        string trace = Path.Combine(_dir, "exit.json");

        CliRun run = CliHarness.Run("replay", RepositoryRoot.Combine("scenarios/exit.yaml"), "--seed", "1", "--strategy", "turns", "--trace", trace);

        Assert.Equal(0, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllBytes(trace));
        var categories = json.RootElement.GetProperty("traceEvents").EnumerateArray()
            .Where(e => e.TryGetProperty("cat", out _))
            .Select(e => e.GetProperty("cat").GetString())
            .ToHashSet();
        Assert.Superset(new HashSet<string?> { "thread", "spinlock", "sleeping-lock", "operation", "ipi", "tlb", "free" }, categories);
    }
}
