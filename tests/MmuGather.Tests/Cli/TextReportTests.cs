using MmuGather.Cli;
using MmuGather.Sim;
using MmuGather.Sim.Checkers;

namespace MmuGather.Tests.Cli;

/// <summary>The text report: header, steps, counters in the documented order, teardown, violations and replay hint.</summary>
public sealed class TextReportTests
{
    [Fact]
    public void HeadlineCountersComeFirstThenOtherNonZeroOnes()
    {
        var counters = new SortedDictionary<string, long>(StringComparer.Ordinal)
        {
            ["a_zero"] = 0,
            ["b_other"] = 5,
            ["gather_forced_flushes"] = 0,
            ["page_tables_freed"] = 3,
            ["pages_freed"] = 16,
            ["table_batch_flushes"] = 1,
            ["tlb_flushes"] = 1,
            ["tlb_shootdown_ipis"] = 1,
        };

        var shown = CounterSelection.MainCounters(counters).Select(kv => kv.Key).ToArray();

        Assert.Equal(
            ["tlb_shootdown_ipis", "pages_freed", "page_tables_freed", "tlb_flushes", "gather_forced_flushes", "table_batch_flushes", "b_other"],
            shown);
    }

    [Fact]
    public void ReportShowsHeaderStepsCountersAndTeardown()
    {
        string text = TextReportWriter.Render(new RunReport(Sample([]), "s.yaml", "default"));

        Assert.StartsWith("scenario  sample\narch      x86\nseed      9 (default)\n", text);
        Assert.Contains("  #  thread  cpu  op      line  shootdowns  pages freed  tables freed\n", text);
        Assert.Contains("  1  app/0     0  munmap     8           2           16             3\n", text);
        Assert.Contains("\ncounters (the scenario's steps)\n  tlb_shootdown_ipis   2\n  pages_freed         16\n\n", text);
        Assert.Contains("teardown (exit of what still ran, page-cache release, RCU barrier)\n  rcu_grace_periods  1\n", text);
        Assert.DoesNotContain("unused", text);
        Assert.EndsWith("\nviolations: none\n", text);
    }

    [Fact]
    public void ViolationsNameCheckerStepSeedAndTheReplayCommand()
    {
        var v = new Violation("flush-before-free", "page pfn 0x6 freed too early", 9, "thread app/0 step 2 (munmap, line 8)");

        string text = TextReportWriter.Render(new RunReport(Sample([v]), "my scenarios/x.yaml", "--seed"));

        Assert.Contains("violations: 1\n", text);
        Assert.Contains("  [flush-before-free] thread app/0 step 2 (munmap, line 8), seed 9\n    page pfn 0x6 freed too early\n", text);
        Assert.EndsWith("replay with: mmugather run 'my scenarios/x.yaml' --seed 9\n", text);
    }

    [Fact]
    public void ViolationsBeyondTheCapAreCounted()
    {
        var v = new Violation("leak", "1 GatherBatch frame(s) still allocated", 9, "teardown");
        RunResult result = Sample([v]) with { ViolationsTotal = 25 };

        string text = TextReportWriter.Render(new RunReport(result, "x.yaml", "default"));

        Assert.Contains($"violations: 25 (1 listed: each checker lists at most {Checker.MaxReportsPerChecker})\n", text);
    }

    [Fact]
    public void BrokenScenarioPrintsItsReplayLine()
    {
        string file = RepositoryRoot.Combine("scenarios/broken/free-before-flush.yaml");

        CliRun run = CliHarness.Run("run", file, "--seed", "5");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("[flush-before-free]", run.Stdout);
        Assert.Contains("seed      5 (--seed)\n", run.Stdout);
        Assert.EndsWith($"replay with: mmugather run {ShellWord.Quote(file)} --seed 5\n", run.Stdout);
    }

    private static RunResult Sample(IReadOnlyList<Violation> violations)
    {
        var counters = new SortedDictionary<string, long>(StringComparer.Ordinal)
        {
            ["pages_freed"] = 16,
            ["tlb_shootdown_ipis"] = 2,
            ["unused"] = 0,
        };
        var teardown = new SortedDictionary<string, long>(StringComparer.Ordinal) { ["rcu_grace_periods"] = 1, ["unused"] = 0 };
        StepResult step = new("app/0", 0, "munmap", 8, 2, 16, 3, 1, 0);
        return new RunResult("sample", "x86", 9, counters, teardown, [step], violations, violations.Count);
    }
}
