using MmuGather.Cli;
using MmuGather.Machine;
using MmuGather.Scenarios;

namespace MmuGather.Tests.Cli;

/// <summary>How failures map to messages and exit codes.</summary>
public sealed class ErrorReporterTests
{
    [Fact]
    public void BrokenModelInvariantIsAnInternalError()
    {
        using var stderr = new StringWriter();

        int code = ErrorReporter.Report(new InvariantException(4, "thread app/0 step 2 (munmap, line 9)", "active batch overfull"), stderr);

        Assert.Equal(3, code);
        Assert.Equal("internal error: model invariant broken (seed 4, thread app/0 step 2 (munmap, line 9)): active batch overfull\n", stderr.ToString());
    }

    [Fact]
    public void ScenarioErrorIsPrintedExactly()
    {
        using var stderr = new StringWriter();

        int code = ErrorReporter.Report(new ScenarioException("s.yaml", 12, "unknown key 'x'"), stderr);

        Assert.Equal(2, code);
        Assert.Equal("error: s.yaml:12: unknown key 'x'\n", stderr.ToString());
    }

    [Fact]
    public void AnyOtherFailureIsAnInternalErrorWithoutStackTrace()
    {
        using var stderr = new StringWriter();

        int code = ErrorReporter.Report(new InvalidOperationException("no gap left"), stderr);

        Assert.Equal(3, code);
        Assert.Equal("internal error: InvalidOperationException: no gap left\n", stderr.ToString());
    }
}
