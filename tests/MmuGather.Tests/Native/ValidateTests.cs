using System.Text.Json;
using MmuGather.Cli.Native;
using MmuGather.Scenarios;
using MmuGather.Sim;
using MmuGather.Tests.Cli;

namespace MmuGather.Tests.Native;

/// <summary>
/// <c>mmugather validate</c>: the model's remote flush rounds against the host's, per step.
/// The host tests are gated like the other native tests (skipped with the reason elsewhere).
/// </summary>
[Collection(NativeHostGate.Collection)]
public class ValidateTests
{
    [NativeTheory]
    [InlineData(1, 1)]
    [InlineData(9677, 1)]
    [InlineData(9678, 2)]
    public void MunmapWithSpinningSiblingAgrees(long pages, long rounds)
    {
        using var dir = new ScratchDir();
        string file = dir.Write($"munmap-{pages}.yaml", ScratchDir.MunmapWithSpinner(pages));
        CliRun run = CliHarness.Run("validate", file, "--reps", "3", "--format", "json");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        using JsonDocument doc = JsonDocument.Parse(run.Stdout);
        JsonElement steps = doc.RootElement.GetProperty("files")[0].GetProperty("steps");
        Assert.All(steps.EnumerateArray(), s => Assert.True(s.GetProperty("agrees").GetBoolean()));
        JsonElement munmap = steps.EnumerateArray().Single(s => s.GetProperty("op").GetString() == "munmap");
        Assert.Equal(rounds, munmap.GetProperty("model").GetProperty("remote_flush_rounds").GetInt64());
        Assert.Equal(rounds, munmap.GetProperty("native").GetProperty("flush_rounds").GetProperty("median").GetInt64());
        Assert.Equal(pages, munmap.GetProperty("model").GetProperty("pages_freed").GetInt64());
        Assert.Equal(0, doc.RootElement.GetProperty("disagreements").GetArrayLength());
    }

    /// <summary>
    /// A real disagreement through the whole command: the host runs munmap of 1 page (1 round),
    /// the model, through the test seam, the same file's lines with 9,678 pages (2 rounds).
    /// </summary>
    [NativeFact]
    public void DifferentModelRunIsReportedAsDisagreement()
    {
        using var dir = new ScratchDir();
        string file = dir.Write("munmap-1.yaml", ScratchDir.MunmapWithSpinner(1));
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exit = ValidateCommand.Execute(
            [file, "--reps", "3"],
            stdout,
            stderr,
            s => ScenarioParser.Parse(ScratchDir.MunmapWithSpinner(9678), s.SourcePath));
        string text = stdout.ToString();
        Assert.True(exit == 1, text + stderr);
        Assert.Contains("disagreements: 1", text, StringComparison.Ordinal);
        Assert.Contains($"{file}:9: app/0 munmap: model 2 flush round(s), native 1 [1]", text, StringComparison.Ordinal);
        string munmap = text.Split('\n').Single(l => l.Contains(" munmap ", StringComparison.Ordinal) && l.StartsWith("  app/0", StringComparison.Ordinal));
        Assert.Contains(" NO ", munmap, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusalIsPassedThroughWithExit2()
    {
        string file = RepositoryRoot.Combine("scenarios", "arm64-exit.yaml");
        CliRun run = CliHarness.Run("validate", file);
        Assert.Equal(2, run.ExitCode);
        string[] lines = run.Stderr.TrimEnd('\n').Split('\n');
        Assert.Single(lines);
        Assert.StartsWith($"native: refused: {file}:10: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines[0], run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void HelpAndUsage()
    {
        Assert.Contains("usage: mmugather validate FILE...", CliHarness.Run("help", "validate").Stdout, StringComparison.Ordinal);
        Assert.Equal(2, CliHarness.Run("validate").ExitCode);
        Assert.Equal(2, CliHarness.Run("validate", "x.yaml", "--reps", "0").ExitCode);
    }

    /// <summary>The rule on synthetic numbers: native min..max widened by the step's most idle rounds.</summary>
    [Theory]
    [InlineData(2, 2, 2, 0, 2, true)]
    [InlineData(2, 2, 2, 0, 3, false)]
    [InlineData(2, 2, 2, 0, 1, false)]
    [InlineData(2, 2, 2, 1, 3, true)]
    [InlineData(2, 2, 2, 1, 1, true)]
    [InlineData(2, 2, 2, 1, 4, false)]
    [InlineData(2, 1, 3, 0, 3, true)]
    [InlineData(0, 0, 0, 0, 0, true)]
    public void AgreementRule(long median, long min, long max, long idleMax, long model, bool agrees)
    {
        NativeRow native = Row("app/0", 9, new Spread(median, min, max, [min, median, max]), new Spread(0, 0, idleMax, [0, 0, idleMax]));
        var step = new StepResult("app/0", 0, "munmap", 9, 0, 1, 0, model, 0);
        ValidateRow row = Assert.Single(ValidateCommand.Compare([step], [native]));
        Assert.Equal(agrees, row.Agrees);
    }

    [Fact]
    public void StepOnOneSideOnlyDisagrees()
    {
        NativeRow native = Row("app/0", 9, new Spread(1, 1, 1, [1]), new Spread(0, 0, 0, [0]));
        var other = new StepResult("app/0", 0, "munmap", 10, 1, 1, 0, 1, 0);
        IReadOnlyList<ValidateRow> rows = ValidateCommand.Compare([other], [native]);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.False(r.Agrees));
        Assert.Null(rows[0].Model);
        Assert.Null(rows[1].Native);
    }

    private static NativeRow Row(string thread, int line, Spread rounds, Spread idle)
    {
        var zero = new Spread(0, 0, 0, [0]);
        return new NativeRow(thread, 0, "munmap", line, rounds, zero, zero, idle, zero, "ok", zero, zero, zero, zero);
    }
}
