namespace MmuGather.Tests.Cli;

/// <summary>The progress line names every step and the teardown, and leaves stdout alone.</summary>
public class ProgressTests
{
    [Fact]
    public void ProgressReportsEachStepOnItsOwnWriter()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var progress = new StringWriter();
        var quiet = new StringWriter();

        int code = MmuGather.Cli.CliMain.Run(["demo", "--format", "json"], stdout, stderr, progress);
        MmuGather.Cli.CliMain.Run(["demo", "--format", "json"], quiet, new StringWriter());

        Assert.Equal(0, code);
        string p = progress.ToString();
        Assert.Contains("[0/3] thread app/0 step 1 (mmap, line 13)", p, StringComparison.Ordinal);
        Assert.Contains("[3/3] teardown", p, StringComparison.Ordinal);
        Assert.Equal(quiet.ToString(), stdout.ToString());
        Assert.Empty(stderr.ToString());
    }
}
