using MmuGather.Explore;
using MmuGather.Scenarios;
using MmuGather.Sim;
using MmuGather.Tests.Cli;

namespace MmuGather.Tests.Sim;

/// <summary>
/// exit_group: the caller exits at once, every sibling leaves before its next step (a
/// spinner at its next scheduling point, a thread in a syscall once the syscall returns),
/// the last thread out runs exit_mmap, and the teardown is the exit_group step's.
/// </summary>
public class ExitGroupTests
{
    private const string SpinnerYaml = """
        name: exit-group-spinner
        machine: { arch: x86, cpus: 2 }
        processes:
          - name: app
            threads:
              - cpu: 0
                steps:
                  - mmap: { name: buf, length: 64MiB, populate: true }
                  - exit_group
              - cpu: 1
                steps:
                  - spin
        """;

    /// <summary>Thread 0 is inside a 64 MiB munmap on CPU 1 when thread 1 calls exit_group on CPU 0.</summary>
    private const string BlockedSiblingYaml = """
        name: exit-group-blocked-sibling
        machine: { arch: x86, cpus: 2 }
        processes:
          - name: app
            threads:
              - cpu: 1
                steps:
                  - mmap: { name: big, length: 64MiB, populate: true }
                  - munmap: { region: big }
                  - mmap: { name: after, length: 4KiB, populate: true }
              - cpu: 0
                steps:
                  - touch: { region: big, length: 4KiB }
                  - exit_group
        """;

    [Fact]
    public void ParsesBareAndWithEmptyArguments()
    {
        Scenario s = TestScenarios.Parse("""
            name: t
            processes:
              - name: p
                threads:
                  - cpu: 0
                    steps:
                      - exit_group
                  - cpu: 1
                    steps:
                      - spin
                      - exit_group: {}
            """);

        Assert.Equal<Step>([new ExitGroupStep(7)], s.Processes[0].Threads[0].Steps);
        Assert.Equal<Step>([new SpinStep(10), new ExitGroupStep(11)], s.Processes[0].Threads[1].Steps);
    }

    [Theory]
    [InlineData("- exit_group\n          - spin", 8, "a step after exit_group (line 7)")]
    [InlineData("- exit_group: {}\n          - exit", 8, "a step after exit_group (line 7)")]
    [InlineData("- exit_group: { code: 1 }", 7, "unknown key 'code' in 'exit_group'")]
    public void AStepAfterExitGroupOrAnArgumentIsRefusedWithItsLine(string steps, int line, string what)
    {
        string yaml = $"""
            name: t
            processes:
              - name: p
                threads:
                  - cpu: 0
                    steps:
                      {steps}
            """;

        var e = Assert.Throws<ScenarioException>(() => ScenarioParser.Parse(yaml, "t.yaml"));

        Assert.Equal(line, e.Line);
        Assert.StartsWith(what, e.What, StringComparison.Ordinal);
        Assert.StartsWith($"t.yaml:{line}: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASpinningSiblingIsInterruptedAndTheTeardownIsTheStepsFigures()
    {
        Simulation sim = ScenarioRunner.Build(TestScenarios.Parse(SpinnerYaml));
        var completedBy = new List<(string Thread, string Op)>();
        sim.StepDone = (t, s) => completedBy.Add((t.Name, s.Op));

        RunResult r = sim.Run();

        StepResult step = TestScenarios.StepOf(r, "exit_group");
        Assert.Equal(("app/0", 0), (step.Thread, step.Cpu));
        Assert.Equal(16384, step.PagesFreed);
        Assert.True(step.PageTablesFreed > 0);
        Assert.True(step.TlbShootdownIpis > 0);
        Assert.True(step.RemoteFlushRounds > 0);

        // The spinner left at its next scheduling point and dropped the last mm_users
        // reference: exit_mmap ran on it, and its figures went to the caller's step.
        Assert.Contains(("app/1", "exit_group"), completedBy);
        Assert.Equal(["mmap", "spin", "exit_group"], r.Steps.Select(s => s.Op));

        // Nothing of the address space is left for the end-of-run teardown but the pgd (the
        // mm's last reference is dropped by the lazy CPU there, as after an exit step).
        Assert.Equal(0, r.Teardown["pages_freed"]);
        Assert.True(r.Clean);
        Assert.Empty(r.Violations);
        long frees = r.Counters["pages_freed"] + r.Counters["page_tables_freed"] + r.Teardown["pages_freed"] + r.Teardown["page_tables_freed"];
        Assert.Equal(frees, sim.FlushBeforeFree.Examined);
        Assert.Contains(r.Checked, c => c.Checker == "leak" && c.Examined == 1);
    }

    [Fact]
    public void TheShippedScenarioRunsClean()
    {
        RunResult r = TestScenarios.Run(File.ReadAllText(RepositoryRoot.Combine("scenarios", "exit-group.yaml")));

        Assert.Equal(16384, TestScenarios.StepOf(r, "exit_group").PagesFreed);
        Assert.True(r.Clean);
    }

    [Theory]
    [InlineData(SpinnerYaml)]
    [InlineData(BlockedSiblingYaml)]
    public void RandomInterleavingsExploreClean(string yaml)
    {
        const int runs = 300;
        Scenario s = TestScenarios.Parse(yaml);

        ExploreSummary sum = Explorer.Explore(s, new ExploreOptions { Runs = runs, BaseSeed = 1, Strategy = Strategies.Random });

        Assert.Equal(runs, sum.RunsDone);
        Assert.True(sum.Bad.Count == 0, string.Join("; ", sum.Bad.Select(b => $"seed {b.Seed}: {b.Failure ?? string.Join(", ", b.Violations.Take(3))}")));
        Assert.Equal(0, sum.RunsRefused);
    }

    [Fact]
    public void EveryRandomInterleavingFreesEverythingOnce()
    {
        for (ulong seed = 1; seed <= 100; seed++)
        {
            Scenario s = TestScenarios.Parse(SpinnerYaml);
            RunResult r = ScenarioRunner.Run(s, seed, settings: new RunSettings { Strategy = Strategies.Random });

            StepResult step = TestScenarios.StepOf(r, "exit_group");
            Assert.Equal(16384, step.PagesFreed);
            Assert.Equal(0, r.Teardown["pages_freed"]);
            Assert.True(r.Clean, $"seed {seed}");
        }
    }

    [Fact]
    public void ASiblingInASyscallFinishesItAndRunsNoFurtherStep()
    {
        int midSyscall = 0;
        for (ulong seed = 1; seed <= 40; seed++)
        {
            Simulation sim = ScenarioRunner.Build(TestScenarios.Parse(BlockedSiblingYaml), seed, new RunSettings { Strategy = Strategies.Random });
            var timeline = new List<string>();
            sim.Progress = (_, _, what) => timeline.Add(what);
            sim.StepDone = (t, step) => timeline.Add($"done {step.Op} line {step.Line}");

            RunResult r = sim.Run();

            Assert.True(r.Clean, $"seed {seed}");
            int munmapStart = timeline.FindIndex(e => e.Contains("(munmap, line 9)", StringComparison.Ordinal));
            int munmapDone = timeline.IndexOf("done munmap line 9");
            int groupStart = timeline.FindIndex(e => e.Contains("(exit_group, line 14)", StringComparison.Ordinal));
            if (munmapStart >= 0 && munmapStart < groupStart && groupStart < munmapDone)
            {
                // exit_group came while the munmap ran on CPU 1: the munmap returned whole,
                // and the sibling exited on its way back to user mode, before its next mmap.
                midSyscall++;
                Assert.Equal(16384, TestScenarios.StepOf(r, "munmap").PagesFreed);
                Assert.DoesNotContain(r.Steps, s => s.Line == 10);
            }

            // Whatever the order, every page is freed once, by the munmap or by the exit. (A
            // step's figures are what happened anywhere while it ran, so an exit_group that
            // overlapped the munmap also shows the munmap's frees after its start.)
            Assert.Equal(16384 + (r.Steps.Any(s => s.Line == 10) ? 1 : 0), r.Counters["pages_freed"]);
            Assert.Equal(0, r.Teardown["pages_freed"]);
        }

        Assert.True(midSyscall > 0, "no seed put the exit_group inside the munmap");
    }

    /// <summary>
    /// Two spinners on the one CPU of the caller, woken together: before the scheduler kept a
    /// woken spinner on its CPU, PCT let them evict each other forever (swarm seed 8, case 149,
    /// shrunk). Two processes doing it on one CPU too.
    /// </summary>
    [Theory]
    [InlineData(Strategies.Pct)]
    [InlineData(Strategies.Random)]
    public void SpinnersWokenTogetherOnOneCpuAllLeave(string strategy)
    {
        const int runs = 200;
        Scenario s = TestScenarios.Parse("""
            name: exit-group-one-cpu
            machine: { arch: s390, cpus: 1, memory: 512MiB }
            processes:
              - name: p1
                threads:
                  - { cpu: 0, steps: [spin] }
                  - { cpu: 0, steps: [spin] }
                  - { cpu: 0, steps: [exit_group] }
              - name: p2
                threads:
                  - { cpu: 0, steps: [spin] }
                  - { cpu: 0, steps: [spin] }
                  - { cpu: 0, steps: [{ mmap: { name: a, length: 64KiB, populate: true } }, exit_group] }
            """);

        ExploreSummary sum = Explorer.Explore(s, new ExploreOptions { Runs = runs, BaseSeed = 1, Strategy = strategy });

        Assert.Equal(runs, sum.RunsDone);
        Assert.True(sum.Bad.Count == 0, string.Join("; ", sum.Bad.Select(b => $"seed {b.Seed}: {b.Failure ?? string.Join(", ", b.Violations.Take(3))}")));
    }
}
