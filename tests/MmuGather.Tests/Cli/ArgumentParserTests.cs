using MmuGather.Cli;

namespace MmuGather.Tests.Cli;

/// <summary>The hand-rolled argument parser: commands, option spellings, help and version.</summary>
public sealed class ArgumentParserTests
{
    [Fact]
    public void RunWithEveryOption()
    {
        Invocation i = ArgumentParser.Parse(["run", "s.yaml", "--format", "json", "--seed", "7"]);

        Assert.Equal(new Invocation(CliCommand.Run, null, "s.yaml", OutputFormat.Json, 7UL), i);
    }

    [Fact]
    public void OptionsMayComeFirstAndUseEquals()
    {
        Invocation i = ArgumentParser.Parse(["run", "--seed=3", "--format=text", "s.yaml"]);

        Assert.Equal(new Invocation(CliCommand.Run, null, "s.yaml", OutputFormat.Text, 3UL), i);
    }

    [Fact]
    public void DoubleDashEndsOptions()
    {
        Invocation i = ArgumentParser.Parse(["run", "--", "--odd-name.yaml"]);

        Assert.Equal("--odd-name.yaml", i.File);
    }

    [Fact]
    public void DemoDefaultsToText()
    {
        Invocation i = ArgumentParser.Parse(["demo"]);

        Assert.Equal(new Invocation(CliCommand.Demo, null, null, OutputFormat.Text, null), i);
    }

    [Theory]
    [InlineData(null, "--help")]
    [InlineData(null, "-h")]
    [InlineData(null, "help")]
    [InlineData("run", "help", "run")]
    [InlineData("run", "run", "--help")]
    [InlineData("run", "run", "s.yaml", "--bogus", "-h")]
    [InlineData("demo", "demo", "--help")]
    public void HelpRequests(string? topic, params string[] args)
    {
        Invocation i = ArgumentParser.Parse(args);

        Assert.Equal(CliCommand.Help, i.Command);
        Assert.Equal(topic, i.HelpTopic);
    }

    [Theory]
    [InlineData("run", "a.yaml", "b.yaml")]
    [InlineData("run", "a.yaml", "--seed", "1", "--seed", "2")]
    [InlineData("run", "a.yaml", "--seed", "18446744073709551616")]
    [InlineData("run", "a.yaml", "--seed", "+1")]
    [InlineData("run", "a.yaml", "--format=")]
    [InlineData("demo", "extra")]
    [InlineData("help", "run", "demo")]
    [InlineData("help", "bisect")]
    [InlineData("--version", "now")]
    public void MistakesAreUsageErrors(params string[] args)
    {
        Assert.Throws<UsageException>(() => ArgumentParser.Parse(args));
    }

    [Fact]
    public void HelpAndVersionPrintToStdout()
    {
        CliRun help = CliHarness.Run("--help");
        CliRun runHelp = CliHarness.Run("run", "--help");
        CliRun version = CliHarness.Run("--version");

        Assert.Equal((0, HelpText.General), (help.ExitCode, help.Stdout));
        Assert.Equal((0, HelpText.Run), (runHelp.ExitCode, runHelp.Stdout));
        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"^mmugather \d+\.\d+\.\d+\n$", version.Stdout);
    }
}
