using System.Text.Json;

namespace MmuGather.Tests.Cli;

/// <summary>
/// <c>explore</c>: clean scenarios exit 0, a scenario with a bug switch exits 1 and prints
/// replay commands that reproduce each bad run exactly, and the job count changes nothing but
/// the wall time.
/// </summary>
public sealed class ExploreCommandTests : IDisposable
{
    private static readonly string[] s_topLevelKeys =
    [
        "scenario", "file", "strategy", "seed", "pct_depth", "pct_steps", "runs_requested", "runs",
        "runs_with_violations", "runs_failed", "first_bad_run", "stopped_early", "scheduling_points",
        "violations_by_checker", "wall_seconds", "runs_per_second", "bad_runs",
        "runs_refused", "runs_internal_error", "refused_runs",
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("mmugather-explore-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void CleanScenarioExitsZeroAndPrintsOneJsonObject()
    {
        CliRun run = CliHarness.Run("explore", RepositoryRoot.Combine("scenarios/madvise-dontneed.yaml"), "--runs", "20", "--format", "json");

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.Stderr);
        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        JsonElement root = json.RootElement;
        Assert.Equal(s_topLevelKeys, root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("random", root.GetProperty("strategy").GetString());
        Assert.Equal(20, root.GetProperty("runs").GetInt64());
        Assert.Equal(0, root.GetProperty("runs_with_violations").GetInt64());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("first_bad_run").ValueKind);
        Assert.Empty(root.GetProperty("bad_runs").EnumerateArray());
    }

    [Fact]
    public void CleanScenarioTextSaysNoBadRuns()
    {
        CliRun run = CliHarness.Run("explore", RepositoryRoot.Combine("scenarios/madvise-dontneed.yaml"), "--runs", "5");

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("scenario  madvise-dontneed\n", run.Stdout);
        Assert.Matches(@"\n  runs +5\n", run.Stdout);
        Assert.EndsWith("\nbad runs: none\n", run.Stdout);
    }

    [Fact]
    public void BugScenarioExitsOneAndItsReplayLineReproducesTheViolations()
    {
        string file = WriteBugScenario();

        CliRun explore = CliHarness.Run("explore", file, "--runs", "20", "--format", "json");

        Assert.Equal(1, explore.ExitCode);
        using JsonDocument json = JsonDocument.Parse(explore.Stdout);
        JsonElement root = json.RootElement;
        Assert.Equal(20, root.GetProperty("runs_with_violations").GetInt64());
        Assert.Equal(20, root.GetProperty("violations_by_checker").GetProperty("flush-before-free").GetInt64());
        Assert.Equal(0, root.GetProperty("first_bad_run").GetInt64());
        JsonElement bad = root.GetProperty("bad_runs")[3];
        string replay = bad.GetProperty("replay").GetString()!;
        Assert.Equal($"mmugather replay {file} --seed {bad.GetProperty("seed").GetUInt64()} --strategy random", replay);

        CliRun again = CliHarness.Run([.. ShellWords.Split(replay).Skip(1), "--format", "json"]);

        Assert.Equal(1, again.ExitCode);
        using JsonDocument replayed = JsonDocument.Parse(again.Stdout);
        Assert.Equal(Compact(bad.GetProperty("violations")), Compact(replayed.RootElement.GetProperty("violations")));
    }

    [Fact]
    public void TextReportListsEachBadRunWithItsReplayLine()
    {
        string file = WriteBugScenario();

        CliRun explore = CliHarness.Run("explore", file, "--runs", "3", "--seed", "9");

        Assert.Equal(1, explore.ExitCode);
        Assert.Contains("\nbad runs: 3\n  run 0, seed ", explore.Stdout);
        Assert.Contains("    [flush-before-free] thread app/0 step 2 (munmap, line 10)\n      page pfn 0x", explore.Stdout);
        string replay = explore.Stdout.Split('\n').First(l => l.StartsWith("    replay with: ", StringComparison.Ordinal))["    replay with: ".Length..];
        string firstViolation = explore.Stdout.Split('\n').First(l => l.StartsWith("      page pfn", StringComparison.Ordinal)).Trim();

        CliRun again = CliHarness.Run(ShellWords.Split(replay).Skip(1).ToArray());

        Assert.Equal(1, again.ExitCode);
        Assert.Contains("\n    " + firstViolation + "\n", again.Stdout);
        Assert.EndsWith($"replay with: {replay}\n", again.Stdout);
    }

    [Fact]
    public void PctReplayLineNamesDepthAndStepsAndIsExact()
    {
        string file = WriteBugScenario();

        CliRun explore = CliHarness.Run("explore", file, "--runs", "6", "--strategy", "pct", "--depth", "2", "--format", "json");

        Assert.Equal(1, explore.ExitCode);
        using JsonDocument json = JsonDocument.Parse(explore.Stdout);
        JsonElement root = json.RootElement;
        long steps = root.GetProperty("pct_steps").GetInt64();
        Assert.Equal(2, root.GetProperty("pct_depth").GetInt64());
        JsonElement bad = root.GetProperty("bad_runs")[5];
        string replay = bad.GetProperty("replay").GetString()!;
        Assert.EndsWith($" --strategy pct --depth 2 --pct-steps {steps}", replay);

        CliRun again = CliHarness.Run([.. ShellWords.Split(replay).Skip(1), "--format", "json"]);

        using JsonDocument replayed = JsonDocument.Parse(again.Stdout);
        Assert.Equal(Compact(bad.GetProperty("violations")), Compact(replayed.RootElement.GetProperty("violations")));
    }

    [Fact]
    public void JobsChangeOnlyTheWallTime()
    {
        string file = WriteBugScenario();

        string one = WithoutWallTime(CliHarness.Run("explore", file, "--runs", "24", "--jobs", "1", "--format", "json").Stdout);
        string two = WithoutWallTime(CliHarness.Run("explore", file, "--runs", "24", "--jobs", "2", "--format", "json").Stdout);
        string clean = WithoutWallTime(CliHarness.Run("explore", RepositoryRoot.Combine("scenarios/munmap-small.yaml"), "--runs", "12", "--jobs", "1", "--format", "json").Stdout);
        string cleanTwo = WithoutWallTime(CliHarness.Run("explore", RepositoryRoot.Combine("scenarios/munmap-small.yaml"), "--runs", "12", "--jobs", "2", "--format", "json").Stdout);

        Assert.Equal(one, two);
        Assert.Equal(clean, cleanTwo);
    }

    [Fact]
    public void StopOnFirstStopsAtTheFirstBadRun()
    {
        string file = WriteBugScenario();

        CliRun run = CliHarness.Run("explore", file, "--runs", "50", "--stop-on-first", "--jobs", "2", "--format", "json");

        Assert.Equal(1, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        JsonElement root = json.RootElement;
        Assert.Equal(1, root.GetProperty("runs").GetInt64());
        Assert.True(root.GetProperty("stopped_early").GetBoolean());
        Assert.Single(root.GetProperty("bad_runs").EnumerateArray());
    }

    [Fact]
    public void ProgressGoesOnlyToTheProgressWriter()
    {
        string file = WriteBugScenario();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var progress = new StringWriter();

        int code = MmuGather.Cli.CliMain.Run(["explore", file, "--runs", "64"], stdout, stderr, progress);

        Assert.Equal(1, code);
        Assert.Empty(stderr.ToString());
        Assert.Contains("[explore] 64/64 runs, 64 bad, ", progress.ToString(), StringComparison.Ordinal);
        Assert.EndsWith(MmuGather.Cli.ProgressLine.Clear, progress.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("[explore]", stdout.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A 16-page munmap with a spinning sibling and the free-before-flush bug: every interleaving frees before it flushes.</summary>
    private string WriteBugScenario()
    {
        string path = Path.Combine(_dir, "free-before-flush.yaml");
        File.WriteAllText(path, TestScenarios.Munmap(16, spinner: true, bugs: "free-before-flush"));
        return path;
    }

    private static string Compact(JsonElement element) => JsonSerializer.Serialize(element);

    private static string WithoutWallTime(string json) =>
        string.Join('\n', json.Split('\n').Where(l => !l.Contains("\"wall_seconds\"", StringComparison.Ordinal) && !l.Contains("\"runs_per_second\"", StringComparison.Ordinal)));
}
