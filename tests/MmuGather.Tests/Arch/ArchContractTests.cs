using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Tests.Arch;

/// <summary>
/// The contract every back-end keeps, run against each one registered in
/// <see cref="Architectures"/>: on a set of workloads, the unhook-invalidate-free order
/// holds (no checker fires), no frame leaks, and the counters add up (every populated page
/// is freed exactly once, by its step or by the teardown).
/// </summary>
public class ArchContractTests
{
    private static readonly (string Name, string Steps, long Pages)[] s_workloads =
    [
        ("munmap-small", "- mmap: { name: b, length: 64KiB, populate: true }\n- munmap: { region: b }", 16),
        ("munmap-batch-full", "- mmap: { name: b, length: 40MiB, populate: true }\n- munmap: { region: b }", 10240),
        ("munmap-partial", "- mmap: { name: b, length: 8MiB, populate: true }\n- munmap: { region: b, offset: 3MiB, length: 2MiB }", 2048),
        ("madvise", "- mmap: { name: b, length: 4MiB, populate: true }\n- madvise: { region: b, advice: dontneed }\n- touch: { region: b, write: true, length: 1MiB }", 1024 + 256),
        ("thp", "- mmap: { name: b, length: 16MiB, populate: true, thp: true }\n- munmap: { region: b, offset: 4MiB, length: 4MiB }", 4096),
        ("file-shared-dirty", "- mmap: { name: f, length: 1MiB, kind: file-shared }\n- touch: { region: f, write: true }\n- munmap: { region: f }", 256),
        ("exit", "- mmap: { name: b, length: 2MiB, populate: true }\n- exit: {}", 512),
    ];

    public static IEnumerable<object[]> Cases() =>
        from arch in Architectures.Names
        from w in s_workloads
        select new object[] { arch, w.Name };

    [Theory]
    [MemberData(nameof(Cases))]
    public void WorkloadKeepsTheContract(string arch, string workload)
    {
        var (_, steps, pages) = s_workloads.Single(w => w.Name == workload);
        string yaml = $$"""
            name: contract-{{workload}}
            machine: { arch: {{arch}}, cpus: 3, memory: 512MiB }
            processes:
              - name: app
                threads:
                  - cpu: 0
                    steps:
            {{string.Join("\n", steps.Split('\n').Select(s => "              " + s))}}
                  - cpu: 1
                    steps:
                      - spin: {}
            """;

        RunResult r = ScenarioRunner.Run(TestScenarios.Parse(yaml));

        Assert.Empty(r.Violations);
        Assert.Equal(pages, r.Counters["pages_freed"] + r.Teardown["pages_freed"]);
    }
}
