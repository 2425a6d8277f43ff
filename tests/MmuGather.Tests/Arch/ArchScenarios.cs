using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Tests.Arch;

/// <summary>
/// Scenarios the per-architecture flush tests share. Invariant: every scenario maps and
/// populates a 4 MiB region on CPU 0 first, so its page tables exist before the step under
/// test, and only the step under test flushes before the teardown.
/// </summary>
internal static class ArchScenarios
{
    /// <summary>
    /// One process; CPU 0 populates <c>buf</c> (4 MiB) and runs <paramref name="steps"/>;
    /// with <paramref name="sibling"/> a second thread keeps the mm live on CPU 1.
    /// </summary>
    public static string OneProcess(string arch, string steps, bool sibling, int cpus = 2)
    {
        string siblingThread = sibling ? "\n      - cpu: 1\n        steps:\n          - spin: {}" : string.Empty;
        return $$"""
            name: {{arch}}-flush
            machine: { arch: {{arch}}, cpus: {{cpus}}, memory: 256MiB }
            processes:
              - name: app
                threads:
                  - cpu: 0
                    steps:
                      - mmap: { name: buf, length: 4MiB, populate: true }
            {{string.Join("\n", steps.Split('\n').Select(s => "          " + s))}}{{siblingThread}}
            """;
    }

    /// <summary>A madvise(DONTNEED) of the first <paramref name="pages"/> pages of buf.</summary>
    public static string Madvise(long pages) => $"- madvise: {{ region: buf, advice: dontneed, length: {pages * 4096} }}";

    /// <summary>Runs the scenario with an <see cref="InvalidationLog"/> attached.</summary>
    public static (RunResult Result, InvalidationLog Log) RunLogged(string yaml)
    {
        Simulation sim = ScenarioRunner.Build(TestScenarios.Parse(yaml));
        var log = new InvalidationLog();
        sim.Hub.Add(log);
        return (sim.Run(), log);
    }
}
