using MmuGather.Cli;

namespace MmuGather.Tests.Cli;

/// <summary>
/// The progress line names every step and the teardown, and leaves stdout alone; on a stderr
/// that is not a terminal it becomes a plain line now and then.
/// </summary>
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

    [Fact]
    public void SparseWriterLetsThroughOnePlainLinePerInterval()
    {
        var log = new StringWriter();
        var now = TimeSpan.Zero;
        using var sparse = new SparseProgressWriter(log, TimeSpan.FromSeconds(10), () => now);

        sparse.Write(ProgressLine.Clear + "[explore] 64/1000 runs");
        now = TimeSpan.FromSeconds(9);
        sparse.Write(ProgressLine.Clear + "[explore] 128/1000 runs");
        now = TimeSpan.FromSeconds(11);
        sparse.Write(ProgressLine.Clear + "[explore] 192/1000 runs");
        now = TimeSpan.FromSeconds(20);
        sparse.Write(ProgressLine.Clear + "[explore] 256/1000 runs");
        sparse.Write(ProgressLine.Clear);
        now = TimeSpan.FromSeconds(21);
        sparse.Write(ProgressLine.Clear + "[explore] 320/1000 runs");

        Assert.Equal("[explore] 192/1000 runs\n[explore] 320/1000 runs\n", log.ToString());
    }

    [Fact]
    public void ExploreOnARedirectedStderrWritesPlainLinesOnly()
    {
        var stdout = new StringWriter();
        var log = new StringWriter();
        using var sparse = new SparseProgressWriter(log, TimeSpan.Zero);

        int code = CliMain.Run(["explore", RepositoryRoot.Combine("scenarios/munmap-small.yaml"), "--runs", "128"], stdout, new StringWriter(), sparse);

        Assert.Equal(0, code);
        Assert.Equal(["[explore] 64/128 runs, 0 bad", "[explore] 128/128 runs, 0 bad"], log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[..l.LastIndexOf(',')]));
        Assert.DoesNotContain('\r', log.ToString());
        Assert.DoesNotContain("[explore]", stdout.ToString(), StringComparison.Ordinal);
    }
}
