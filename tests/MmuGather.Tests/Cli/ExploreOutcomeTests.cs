using System.Text.Json;

namespace MmuGather.Tests.Cli;

/// <summary>
/// How <c>explore</c> reports runs that do not simply pass or fail: a run the model refuses (a
/// step splits a pinned huge PMD, which it does not model), PCT's turns pre-run ending so, and a run
/// with more violations than are kept. Each still gets the summary, its seed and its replay.
/// </summary>
public sealed class ExploreOutcomeTests : IDisposable
{
    /// <summary>
    /// Thread 0 unmaps one page of a THP region while thread 1 pins its start with gup_fast:
    /// when the split meets the pin, the run is refused.
    /// </summary>
    private const string RacyRefusal = """
        name: racy-refusal
        machine: { arch: x86, cpus: 2, memory: 4GiB }
        processes:
          - name: app
            threads:
              - cpu: 0
                steps:
                  - mmap: { name: b, length: 4MiB, populate: true, thp: true }
                  - munmap: { region: b, offset: 4KiB, length: 4KiB }
              - cpu: 1
                steps:
                  - touch: { region: b, length: 8KiB }
                  - gup_fast: { region: b, length: 8KiB }
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("mmugather-explore-outcome-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void RacyRefusalIsCountedAndEachKeptOneReplaysToTheSameRefusal()
    {
        string file = Write("racy-refusal.yaml", RacyRefusal);

        CliRun explore = CliHarness.Run("explore", file, "--runs", "40", "--format", "json");

        Assert.Equal(2, explore.ExitCode);
        Assert.Empty(explore.Stderr);
        using JsonDocument json = JsonDocument.Parse(explore.Stdout);
        JsonElement root = json.RootElement;
        long refused = root.GetProperty("runs_refused").GetInt64();
        Assert.InRange(refused, 1, 39);
        Assert.Equal(40, root.GetProperty("runs").GetInt64());
        Assert.Equal(0, root.GetProperty("runs_with_violations").GetInt64());
        Assert.Empty(root.GetProperty("bad_runs").EnumerateArray());
        JsonElement first = root.GetProperty("refused_runs")[0];
        string refusal = first.GetProperty("refusal").GetString()!;
        Assert.StartsWith($"{file}:9: thread app/0 step 2 (munmap, line 9): ", refusal);
        Assert.EndsWith("the model refuses this run", refusal);

        CliRun again = CliHarness.Run(ShellWords.Split(first.GetProperty("replay").GetString()!).Skip(1).ToArray());

        Assert.Equal(2, again.ExitCode);
        Assert.Equal($"error: {refusal}\n", again.Stderr);
    }

    [Fact]
    public void TextReportListsRefusedRunsAfterTheSummary()
    {
        string file = Write("racy-refusal.yaml", RacyRefusal);

        CliRun explore = CliHarness.Run("explore", file, "--runs", "40");

        Assert.Equal(2, explore.ExitCode);
        Assert.Matches(@"\n  refused runs \(not modelled\) +[1-9][0-9]*\n", explore.Stdout);
        Assert.Contains("\nbad runs: none\n\nrefused runs: ", explore.Stdout);
        Assert.Matches(@"\n  run [0-9]+, seed [0-9]+\n    refused: .*:9: thread app/0 step 2 \(munmap, line 9\): .*\n    replay with: mmugather replay ", explore.Stdout);
    }

    [Fact]
    public void PctPreRunThatIsRefusedIsListedWithItsRunReplayAndTheSummaryIsPrinted()
    {
        // The parent unmaps one page of a huge page it shares with its child since the fork:
        // the split a shared huge page needs is refused under every strategy, turns included.
        const string yaml = """
            name: pre-run-refused
            machine: { arch: x86, cpus: 2, memory: 4GiB }
            processes:
              - name: app
                threads:
                  - cpu: 0
                    steps:
                      - mmap: { name: b, length: 4MiB, populate: true, thp: true }
                      - fork: { child: kid }
                      - munmap: { region: b, offset: 4KiB, length: 4KiB }
              - name: kid
                forked_from: app
                threads:
                  - cpu: 1
                    steps:
                      - touch: { region: b }
            """;
        string file = Write("pre-run-refused.yaml", yaml);

        CliRun explore = CliHarness.Run("explore", file, "--runs", "4", "--strategy", "pct", "--format", "json");

        Assert.Equal(2, explore.ExitCode);
        using JsonDocument json = JsonDocument.Parse(explore.Stdout);
        JsonElement root = json.RootElement;
        Assert.Equal(4, root.GetProperty("runs").GetInt64());
        JsonElement preRun = root.GetProperty("refused_runs")[0];
        Assert.Equal(-1, preRun.GetProperty("run").GetInt64());
        Assert.Equal("turns", preRun.GetProperty("strategy").GetString());
        Assert.Equal($"mmugather run {file} --seed 1", preRun.GetProperty("replay").GetString());
        Assert.Contains("step 3 (munmap, line 10)", preRun.GetProperty("refusal").GetString(), StringComparison.Ordinal);

        CliRun again = CliHarness.Run("run", file, "--seed", "1");

        Assert.Equal(2, again.ExitCode);
        Assert.Contains("the model refuses this run", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ViolationsPastTheKeptOnesAreCountedInFull()
    {
        string file = Write("free-before-flush.yaml", TestScenarios.Munmap(64, spinner: true, bugs: "free-before-flush"));

        CliRun json = CliHarness.Run("explore", file, "--runs", "1", "--format", "json");
        CliRun text = CliHarness.Run("explore", file, "--runs", "1");

        using JsonDocument doc = JsonDocument.Parse(json.Stdout);
        JsonElement bad = doc.RootElement.GetProperty("bad_runs")[0];
        long total = bad.GetProperty("violations_total").GetInt64();
        Assert.True(total > bad.GetProperty("violations").GetArrayLength(), $"{total} violations, all kept: the test needs more");
        CliRun replay = CliHarness.Run([.. ShellWords.Split(bad.GetProperty("replay").GetString()!).Skip(1), "--format", "json"]);
        using JsonDocument replayed = JsonDocument.Parse(replay.Stdout);
        Assert.Equal(replayed.RootElement.GetProperty("violations_total").GetInt64(), total);
        Assert.Contains($"\n    ... and {total - MmuGather.Cli.ExploreTextWriter.ViolationsPerRun} more violations\n", text.Stdout, StringComparison.Ordinal);
    }

    private string Write(string name, string yaml)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }
}
