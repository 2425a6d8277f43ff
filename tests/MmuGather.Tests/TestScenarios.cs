using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Tests;

/// <summary>Builds scenarios from YAML text for tests.</summary>
internal static class TestScenarios
{
    public static Scenario Parse(string yaml) => ScenarioParser.Parse(yaml, "test.yaml");

    public static RunResult Run(string yaml, ulong? seed = null) => ScenarioRunner.Run(Parse(yaml), seed);

    /// <summary>munmap of a populated anonymous region of <paramref name="pages"/> 4 KiB pages, optionally with a spinning sibling thread on CPU 1.</summary>
    public static string Munmap(long pages, bool spinner, string extraMachine = "", string bugs = "")
    {
        string spin = spinner ? "\n      - cpu: 1\n        steps:\n          - spin: {}" : string.Empty;
        string kernel = bugs.Length > 0 ? $"\nkernel: {{ bugs: [{bugs}] }}" : string.Empty;
        return $$"""
            name: munmap-{{pages}}
            machine: { arch: x86, cpus: 2, memory: 4GiB{{extraMachine}} }{{kernel}}
            processes:
              - name: app
                threads:
                  - cpu: 0
                    steps:
                      - mmap: { name: buf, length: {{pages * 4096}}, populate: true }
                      - munmap: { region: buf }{{spin}}
            """;
    }

    public static StepResult StepOf(RunResult r, string op) => r.Steps.Single(s => s.Op == op);
}
