using MmuGather.Cli.Native;
using MmuGather.Scenarios;
using MmuGather.Tests.Cli;

namespace MmuGather.Tests.Native;

/// <summary>
/// Every refusal of issue 9 item 3: exit 2, one line naming the reason and the scenario
/// line. The scenario's own refusals do not depend on the host (they are checked first);
/// the host's are checked against a made-up host.
/// </summary>
public class NativeRefusalTests
{
    private static readonly NativeHost s_goodHost = new(2, "6.18", 188, 4, "madvise", null);

    [Theory]
    [InlineData("arm64-exit.yaml", 10, "arch 'arm64'")]
    [InlineData("alloc-failure.yaml", 11, "fail_alloc")]
    [InlineData("munmap-1gib-legacy-gather.yaml", 12, "gather 'percpu-2.6'")]
    [InlineData("fork.yaml", 20, "fork is not run natively yet")]
    public void ShippedScenarioIsRefusedWithItsLine(string name, int line, string reason)
    {
        string file = RepositoryRoot.Combine("scenarios", name);
        CliRun run = CliHarness.Run("native", file);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        string[] lines = run.Stderr.TrimEnd('\n').Split('\n');
        Assert.Single(lines);
        Assert.StartsWith($"native: refused: {file}:{line}: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(reason, lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void BugSwitchIsRefused()
    {
        string file = Directory.GetFiles(RepositoryRoot.Combine("scenarios", "broken"), "*.yaml").Order(StringComparer.Ordinal).First();
        CliRun run = CliHarness.Run("native", file);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("bug switch", run.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"^native: refused: .*:\d+: bug switch '[a-z0-9-]+'", run.Stderr);
    }

    [Theory]
    [InlineData("gup_fast: { region: buf }", "gup_fast is not run natively")]
    [InlineData("writeback: { region: buf }", "anonymous memory has no file")]
    public void StepIsRefusedWithItsLine(string step, string reason)
    {
        NativeRefusedException e = Refuse(Threads($"""
                  - cpu: 0
                    steps:
                      - mmap: {"{"} name: buf, length: 8KiB {"}"}
                      - {step}
            """), s_goodHost);
        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
        Assert.Equal(9, e.Line);
    }

    [Fact]
    public void MigratingThreadIsRefused()
    {
        NativeRefusedException e = Refuse(Threads("""
                  - cpus: [0, 1]
                    steps:
                      - spin
            """), s_goodHost);
        Assert.Contains("'cpus:'", e.Reason, StringComparison.Ordinal);
        Assert.Equal(6, e.Line);
    }

    [Fact]
    public void MoreCpusThanTheHostIsRefused()
    {
        NativeRefusedException e = Refuse(Threads("""
                  - cpu: 3
                    steps:
                      - spin
            """, cpus: 4), s_goodHost);
        Assert.Contains("the scenario has 4 cpus, the host 2", e.Reason, StringComparison.Ordinal);
        Assert.Equal(2, e.Line);
    }

    [Fact]
    public void HostWithoutTheTracepointIsRefused()
    {
        var host = s_goodHost with { Refusal = "tracefs is not available (mount failed): cannot count remote flush rounds (tlb:tlb_flush)" };
        NativeRefusedException e = Refuse(Threads("""
                  - cpu: 0
                    steps:
                      - spin
            """), host);
        Assert.Contains("tracefs is not available", e.OneLine, StringComparison.Ordinal);
        Assert.StartsWith("native: refused: ", e.OneLine, StringComparison.Ordinal);
    }

    [Fact]
    public void NonLinuxHostIsRefused()
    {
        var host = s_goodHost with { Refusal = "the host is Darwin 23, not Linux: native runs real Linux system calls" };
        NativeRefusedException e = Refuse(Threads("""
                  - cpu: 0
                    steps:
                      - spin
            """), host);
        Assert.Contains("not Linux", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ThpOnAHostWithoutThpIsRefused()
    {
        NativeRefusedException e = Refuse(Threads("""
                  - cpu: 0
                    steps:
                      - mmap: { name: buf, length: 4MiB, thp: true }
            """), s_goodHost with { ThpEnabled = "never" });
        Assert.Contains("transparent huge pages are 'never'", e.Reason, StringComparison.Ordinal);
        Assert.Equal(8, e.Line);
    }

    [Fact]
    public void CommandLineMistakesAreUsageErrors()
    {
        Assert.Equal(2, CliHarness.Run("native").ExitCode);
        Assert.Equal(2, CliHarness.Run("native", "x.yaml", "--reps", "0").ExitCode);
        Assert.Equal(2, CliHarness.Run("native", "x.yaml", "--format", "xml").ExitCode);
        Assert.Equal(2, CliHarness.Run("native", "x.yaml", "--seed", "1").ExitCode);
        CliRun help = CliHarness.Run("native", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("usage: mmugather native FILE", help.Stdout, StringComparison.Ordinal);
    }

    private static string Threads(string threads, int cpus = 2) => $"""
        name: refusal
        machine: {"{"} arch: x86, cpus: {cpus} {"}"}
        processes:
          - name: app
            threads:
        {threads}
        """;

    private static NativeRefusedException Refuse(string yaml, NativeHost host)
    {
        string file = Path.Combine(Path.GetTempPath(), $"mmugather-refusal-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, yaml);
        try
        {
            Scenario scenario = ScenarioParser.ParseFile(file);
            return Assert.Throws<NativeRefusedException>(() => NativeRefusals.Check(scenario, host));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
