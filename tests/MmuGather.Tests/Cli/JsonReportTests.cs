using System.Text.Json;
using MmuGather.Cli;
using MmuGather.Sim;

namespace MmuGather.Tests.Cli;

/// <summary>The JSON report: fixed key order, '\n' line endings, byte-identical for the same input and seed.</summary>
public sealed class JsonReportTests
{
    private static readonly string[] s_topLevelKeys =
        ["scenario", "arch", "seed", "counters", "teardown", "steps", "violations", "violations_total", "checked"];

    private static readonly string[] s_stepKeys =
        ["thread", "cpu", "op", "line", "tlb_shootdown_ipis", "pages_freed", "page_tables_freed", "remote_flush_rounds", "page_faults"];

    private static readonly string[] s_violationKeys = ["checker", "message", "seed", "step"];

    [Theory]
    [InlineData("scenarios/madvise-dontneed.yaml")]
    [InlineData("scenarios/broken/free-before-flush.yaml")]
    public void SameInputAndSeedGiveByteIdenticalOutput(string relativePath)
    {
        string file = RepositoryRoot.Combine(relativePath);

        CliRun first = CliHarness.Run("run", file, "--format", "json", "--seed", "42");
        CliRun second = CliHarness.Run("run", file, "--format", "json", "--seed", "42");

        Assert.Equal(first.ExitCode, second.ExitCode);
        Assert.Equal(first.Stdout, second.Stdout);
    }

    [Fact]
    public void KeysComeInTheDocumentedOrder()
    {
        CliRun run = CliHarness.Run("run", RepositoryRoot.Combine("scenarios/broken/free-before-flush.yaml"), "--format", "json");

        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        JsonElement root = json.RootElement;
        Assert.Equal(s_topLevelKeys, root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(s_stepKeys, root.GetProperty("steps")[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(s_violationKeys, root.GetProperty("violations")[0].EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void CountersKeepTheOrderTheRunGives()
    {
        RunResult result = SampleResult(new SortedDictionary<string, long>(StringComparer.Ordinal) { ["b"] = 2, ["a"] = 1, ["c"] = 0 });

        using JsonDocument json = JsonDocument.Parse(JsonReportWriter.Render(result));

        Assert.Equal(["a", "b", "c"], json.RootElement.GetProperty("counters").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void OutputUsesLineFeedsAndEndsWithOne()
    {
        string text = JsonReportWriter.Render(SampleResult(new Dictionary<string, long> { ["x"] = 1 }));

        Assert.DoesNotContain('\r', text);
        Assert.EndsWith("}\n", text);
        Assert.StartsWith("{\n  \"scenario\": \"sample\",\n", text);
    }

    [Fact]
    public void SeedOptionIsReported()
    {
        CliRun run = CliHarness.Run("run", RepositoryRoot.Combine("scenarios/munmap-small.yaml"), "--format", "json", "--seed", "18446744073709551615");

        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        Assert.Equal(ulong.MaxValue, json.RootElement.GetProperty("seed").GetUInt64());
    }

    private static RunResult SampleResult(IReadOnlyDictionary<string, long> counters) =>
        new("sample", "x86", 3, counters, new Dictionary<string, long>(), [], [], 0);
}
