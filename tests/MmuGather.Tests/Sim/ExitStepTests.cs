using MmuGather.Sim;
using MmuGather.Tests.Cli;

namespace MmuGather.Tests.Sim;

/// <summary>
/// An exit step's do_exit runs inside the step: exit_mmap's flush rounds and frees are the
/// step's, as the host's counters attribute them (mmugather native, validate).
/// </summary>
public class ExitStepTests
{
    [Fact]
    public void LastThreadsExitStepCarriesTheTeardown()
    {
        var r = TestScenarios.Run(File.ReadAllText(RepositoryRoot.Combine("scenarios", "exit.yaml")));

        StepResult first = r.Steps.Single(s => s.Op == "exit" && s.Thread == "app/1");
        StepResult last = r.Steps.Single(s => s.Op == "exit" && s.Thread == "app/0");
        Assert.Equal((0L, 0L, 0L), (first.RemoteFlushRounds, first.TlbShootdownIpis, first.PagesFreed));
        Assert.Equal((1L, 1L, 4096L), (last.RemoteFlushRounds, last.TlbShootdownIpis, last.PagesFreed));

        // The totals are what they were before the attribution moved into the step.
        Assert.Equal(1, r.Counters["tlb_shootdown_ipis"]);
        Assert.Equal(1, r.Counters["remote_flush_rounds"]);
        Assert.Equal(4096, r.Counters["pages_freed"]);
        Assert.Empty(r.Violations);
    }
}
