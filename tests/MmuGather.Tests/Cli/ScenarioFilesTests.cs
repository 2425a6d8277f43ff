using System.Text.Json;

namespace MmuGather.Tests.Cli;

/// <summary>
/// Every shipped scenario runs through the CLI: clean ones exit 0, those under scenarios/broken
/// exit 1. The historical bugs under scenarios/bugs need a particular interleaving: one `run`
/// may or may not hit it (explore finds them; see tests/MmuGather.Tests/Explore), but it never
/// breaks a model invariant.
/// </summary>
public sealed class ScenarioFilesTests
{
    public static TheoryData<string> ScenarioFiles() => new(RelativePaths());

    [Fact]
    public void TheExpectedExamplesAreShipped()
    {
        string[] files = RelativePaths();

        Assert.Contains("scenarios/munmap-1gib-two-cpus.yaml", files);
        Assert.Contains("scenarios/broken/free-before-flush.yaml", files);
        Assert.True(files.Length >= 8, $"only {files.Length} scenarios found");
    }

    [Theory]
    [MemberData(nameof(ScenarioFiles))]
    public void ScenarioRunsWithTheExpectedExitCode(string relativePath)
    {
        bool broken = relativePath.StartsWith("scenarios/broken/", StringComparison.Ordinal);
        bool racy = relativePath.StartsWith("scenarios/bugs/", StringComparison.Ordinal);

        CliRun run = CliHarness.Run("run", RepositoryRoot.Combine(relativePath), "--format", "json");

        Assert.True(run.Stderr.Length == 0, run.Stderr);
        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        long total = json.RootElement.GetProperty("violations_total").GetInt64();
        if (racy)
        {
            Assert.Equal(total > 0 ? 1 : 0, run.ExitCode);
            return;
        }

        Assert.Equal(broken ? 1 : 0, run.ExitCode);
        Assert.Equal(broken, total > 0);
    }

    [Theory]
    [MemberData(nameof(ScenarioFiles))]
    public void ScenarioStartsWithACommentHeader(string relativePath)
    {
        string first = File.ReadLines(RepositoryRoot.Combine(relativePath)).First();

        Assert.StartsWith("# ", first);
    }

    private static string[] RelativePaths() =>
        Directory.EnumerateFiles(RepositoryRoot.Combine("scenarios"), "*.yaml", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(RepositoryRoot.Path, file).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();
}
