using System.Text.Json;
using MmuGather.Cli.Native;
using MmuGather.Cli.Native.Fuzz;
using MmuGather.Tests.Cli;

namespace MmuGather.Tests.Native;

/// <summary><c>validate --generate</c> through the command: its arguments, report and exit codes.</summary>
public class FuzzCommandTests
{
    [Fact]
    public void AgreeingHostExitsZeroWithTheCounts()
    {
        using var dir = new ScratchDir();
        (int exit, string stdout, string stderr) = Run(FuzzFakeRunner.Faithful, "--generate", "20", "--seed", "9", "--out", dir.Path);
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("sequences run: 20 of 20", stdout, StringComparison.Ordinal);
        Assert.Contains("mismatches found: 0", stdout, StringComparison.Ordinal);
        Assert.Contains("mismatches left (after 2 native re-runs of a rounds difference): 0", stdout, StringComparison.Ordinal);
        Assert.Contains("residency", stdout, StringComparison.Ordinal);
        Assert.Contains("every step agrees", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void MismatchExitsOneAndSavesTheShrunkScenario()
    {
        using var dir = new ScratchDir();
        string outDir = Path.Combine(dir.Path, "found");
        (int exit, string stdout, string stderr) = Run(FuzzFakeRunner.FlipFirstPage, "--generate", "3", "--out", outDir, "--format", "json");
        Assert.True(exit == 1, stdout + stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement root = doc.RootElement;
        Assert.Equal(3, root.GetProperty("sequences_run").GetInt32());
        Assert.Equal(3, root.GetProperty("mismatches_left").GetInt32());
        Assert.Equal(0, root.GetProperty("categories").GetProperty("rounds").GetProperty("mismatch").GetInt64());
        Assert.True(root.GetProperty("categories").GetProperty("residency").GetProperty("mismatch").GetInt64() > 0);
        Assert.True(root.GetProperty("categories").GetProperty("access").GetProperty("agree").GetInt64() > 0);
        JsonElement saved = root.GetProperty("saved")[0];
        Assert.Equal("residency", saved.GetProperty("category").GetString());
        Assert.True(File.Exists(saved.GetProperty("file").GetString()));
        Assert.Equal(1, root.GetProperty("exit").GetInt32());
    }

    [Fact]
    public void RefusedHostExitsTwoWithTheReason()
    {
        var host = FuzzGeneratorTests.AnyHost with { Refusal = "tracefs is not available (test)" };
        (int exit, _, string stderr) = Run(FuzzFakeRunner.Faithful, host, "--generate", "5");
        Assert.Equal(2, exit);
        Assert.Contains("tracefs is not available (test)", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingNativeRunnerExitsThree()
    {
        (int exit, _, string stderr) = Run(() => throw new NotImplementedException("native sequence runner not merged yet"), "--generate", "5");
        Assert.Equal(3, exit);
        Assert.Contains("not merged yet", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void FailingRunExitsThreeAndKeepsTheSequence()
    {
        using var dir = new ScratchDir();
        (int exit, string stdout, string stderr) = Run(() => new FuzzFakeRunner((_, _) => throw new InvalidOperationException("worker died")), "--generate", "5", "--out", dir.Path);
        Assert.Equal(3, exit);
        Assert.Contains("worker died", stderr, StringComparison.Ordinal);
        Assert.Contains("sequences run: 0 of 5", stdout, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(dir.Path, "*-error.yaml"));
    }

    [Theory]
    [InlineData("--generate", "0")]
    [InlineData("--generate", "x")]
    [InlineData("--generate", "3", "some.yaml")]
    [InlineData("--seed", "3", "some.yaml")]
    [InlineData("--out", "d", "some.yaml")]
    [InlineData("--generate", "3", "--seed", "-1")]
    [InlineData("--generate")]
    public void BadArgumentsExitTwo(params string[] args)
    {
        CliRun run = CliHarness.Run(["validate", .. args]);
        Assert.True(run.ExitCode == 2, run.Stdout + run.Stderr);
    }

    [Fact]
    public void NativeRejectsTheFuzzOptions()
    {
        Assert.Equal(2, CliHarness.Run("native", "--generate", "3").ExitCode);
    }

    [Fact]
    public void HelpDescribesGenerate()
    {
        CliRun run = CliHarness.Run("help", "validate");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("--generate N", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("--out DIR", run.Stdout, StringComparison.Ordinal);
    }

    private static (int Exit, string Stdout, string Stderr) Run(Func<ISequenceRunner> native, params string[] args) =>
        Run(native, FuzzGeneratorTests.AnyHost, args);

    private static (int Exit, string Stdout, string Stderr) Run(Func<ISequenceRunner> native, NativeHost host, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exit = ValidateCommand.Execute(args, stdout, stderr, native, host);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
