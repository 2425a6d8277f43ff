using MmuGather.Cli;

namespace MmuGather.Tests.Cli;

/// <summary>The options of run, explore and replay: spellings, defaults, and every mistake as a one-line usage error (exit 2).</summary>
public sealed class ExploreArgumentTests
{
    [Fact]
    public void ExploreWithEveryOption()
    {
        Invocation i = ArgumentParser.Parse(
            ["explore", "s.yaml", "--runs", "20", "--seed=5", "--strategy", "pct", "--jobs=2", "--depth", "4", "--pct-steps", "900", "--stop-on-first", "--format", "json"]);

        Invocation expected = new Invocation(CliCommand.Explore, null, "s.yaml", OutputFormat.Json, 5UL) with
        {
            Runs = 20,
            Strategy = "pct",
            Jobs = 2,
            PctDepth = 4,
            PctSteps = 900,
            StopOnFirst = true,
        };
        Assert.Equal(expected, i);
    }

    [Fact]
    public void ReplayAndRunTakeStrategyAndTrace()
    {
        Invocation replay = ArgumentParser.Parse(["replay", "s.yaml", "--seed", "7", "--strategy", "time", "--trace", "out.json"]);
        Invocation run = ArgumentParser.Parse(["run", "s.yaml", "--strategy=random"]);

        Assert.Equal(new Invocation(CliCommand.Replay, null, "s.yaml", OutputFormat.Text, 7UL) with { Strategy = "time", TracePath = "out.json" }, replay);
        Assert.Equal(new Invocation(CliCommand.Run, null, "s.yaml", OutputFormat.Text, null) with { Strategy = "random" }, run);
    }

    [Theory]
    [InlineData("error: invalid value 'turns' for '--strategy' (expected random or pct)", "explore", "x.yaml", "--strategy", "turns")]
    [InlineData("error: invalid value 'dfs' for '--strategy' (expected turns, time, random or pct)", "run", "x.yaml", "--strategy", "dfs")]
    [InlineData("error: invalid value 'dfs' for '--strategy' (expected random, pct, turns or time)", "replay", "x.yaml", "--seed", "1", "--strategy", "dfs")]
    [InlineData("error: invalid value '0' for '--runs' (expected an integer from 1 to 100000000)", "explore", "x.yaml", "--runs", "0")]
    [InlineData("error: invalid value '100000001' for '--runs' (expected an integer from 1 to 100000000)", "explore", "x.yaml", "--runs", "100000001")]
    [InlineData("error: invalid value '-5' for '--runs'", "explore", "x.yaml", "--runs", "-5")]
    [InlineData("error: invalid value 'many' for '--runs'", "explore", "x.yaml", "--runs=many")]
    [InlineData("error: invalid value '0' for '--jobs' (expected an integer from 1 to 256)", "explore", "x.yaml", "--jobs", "0")]
    [InlineData("error: invalid value '257' for '--jobs' (expected an integer from 1 to 256)", "explore", "x.yaml", "--jobs", "257")]
    [InlineData("error: invalid value '0' for '--depth' (expected an integer from 1 to 100)", "explore", "x.yaml", "--strategy", "pct", "--depth", "0")]
    [InlineData("error: invalid value '0' for '--pct-steps'", "replay", "x.yaml", "--seed", "1", "--strategy", "pct", "--pct-steps", "0")]
    [InlineData("error: option '--depth' needs '--strategy pct' (the strategy is random)", "explore", "x.yaml", "--depth", "3")]
    [InlineData("error: option '--pct-steps' needs '--strategy pct' (the strategy is turns)", "run", "x.yaml", "--pct-steps", "30")]
    [InlineData("error: option '--runs' is given twice", "explore", "x.yaml", "--runs", "5", "--runs", "6")]
    [InlineData("error: option '--stop-on-first' takes no value", "explore", "x.yaml", "--stop-on-first=yes")]
    [InlineData("error: option '--jobs' needs a value", "explore", "x.yaml", "--jobs")]
    [InlineData("error: 'explore' needs a scenario FILE", "explore", "--runs", "5")]
    [InlineData("error: 'replay' needs '--seed S'", "replay", "x.yaml")]
    [InlineData("error: unknown option '--trace' for 'explore'", "explore", "x.yaml", "--trace", "t.json")]
    [InlineData("error: unknown option '--runs' for 'replay'", "replay", "x.yaml", "--seed", "1", "--runs", "5")]
    [InlineData("error: unknown option '--strategy' for 'demo'", "demo", "--strategy", "pct")]
    [InlineData("error: option '--trace' needs a file name", "replay", "x.yaml", "--seed", "1", "--trace=")]
    [InlineData("error: cannot write trace", "replay", "x.yaml", "--seed", "1", "--trace", "/nonexistent-mmugather-dir/t.json")]
    public void BadCommandLine(string expected, params string[] args)
    {
        CliRun run = CliHarness.Run(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(string.Empty, run.Stdout);
        Assert.StartsWith(expected, run.Stderr);
        Assert.Contains($"run 'mmugather {args[0]} --help' for usage", run.Stderr);
        Assert.DoesNotContain(CliHarness.StackFrameMarker, run.Stderr);
    }

    [Theory]
    [InlineData("explore")]
    [InlineData("replay")]
    public void EachCommandHasItsHelp(string command)
    {
        CliRun viaHelp = CliHarness.Run("help", command);
        CliRun viaFlag = CliHarness.Run(command, "x.yaml", "--help");

        Assert.Equal(0, viaHelp.ExitCode);
        Assert.StartsWith($"usage: mmugather {command} FILE", viaHelp.Stdout);
        Assert.Equal(viaHelp.Stdout, viaFlag.Stdout);
        Assert.Contains($"mmugather {command} FILE", HelpText.General);
    }
}
