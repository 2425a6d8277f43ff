using System.Text.Json;
using MmuGather.Cli;

namespace MmuGather.Tests.Cli;

/// <summary><c>mmugather demo</c>: the embedded scenario matches the shipped file and runs clean.</summary>
public sealed class DemoTests
{
    [Fact]
    public void EmbeddedYamlIsIdenticalToTheShippedFile()
    {
        string shipped = File.ReadAllText(RepositoryRoot.Combine(DemoScenario.RelativePath));

        Assert.Equal(DemoScenario.Yaml, shipped);
    }

    [Fact]
    public void DemoMatchesRunningTheShippedFile()
    {
        CliRun demo = CliHarness.Run("demo", "--format", "json");
        CliRun file = CliHarness.Run("run", RepositoryRoot.Combine(DemoScenario.RelativePath), "--format", "json");

        Assert.Equal(0, demo.ExitCode);
        Assert.Equal(file.Stdout, demo.Stdout);
    }

    [Fact]
    public void DemoReportsTheMunmapShootdowns()
    {
        CliRun demo = CliHarness.Run("demo", "--format", "json");

        using JsonDocument json = JsonDocument.Parse(demo.Stdout);
        JsonElement root = json.RootElement;
        Assert.Equal("munmap-1gib-two-cpus", root.GetProperty("scenario").GetString());
        Assert.Equal(262144, root.GetProperty("counters").GetProperty("pages_freed").GetInt64());
        JsonElement munmap = root.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("op").GetString() == "munmap");
        Assert.Equal(
            root.GetProperty("counters").GetProperty("tlb_shootdown_ipis").GetInt64(),
            munmap.GetProperty("tlb_shootdown_ipis").GetInt64());
        Assert.True(munmap.GetProperty("tlb_shootdown_ipis").GetInt64() > 1);
        Assert.Empty(root.GetProperty("violations").EnumerateArray());
    }

    [Fact]
    public void TextDemoEndsWithNoViolations()
    {
        CliRun demo = CliHarness.Run("demo");

        Assert.Equal(0, demo.ExitCode);
        Assert.StartsWith("scenario  munmap-1gib-two-cpus\n", demo.Stdout);
        Assert.EndsWith("\nviolations: none\n", demo.Stdout);
    }
}
