namespace MmuGather.Scenarios;

/// <summary>
/// Scenarios that ship inside the library: the default of <c>mmugather demo</c>, also used by
/// the benchmarks and tests. Each is byte for byte the file under scenarios/ that a test
/// compares it with.
/// </summary>
public static class BuiltInScenarios
{
    /// <summary>scenarios/munmap-1gib-two-cpus.yaml: munmap of 1 GiB while a sibling spins on CPU 1.</summary>
    public const string Munmap1GibTwoCpus = """
        # The default scenario (`mmugather demo`): munmap of a populated 1 GiB anonymous region
        # on x86 with 2 CPUs, while a sibling thread of the same process spins on CPU 1.
        # Every TLB flush the gather issues is a shootdown IPI to CPU 1: one per call, plus one
        # each time the page batches fill (7 + 19 x 509 = 9678 pages), plus one when the
        # table batch fills (509 page-table pages). Expect no violation.
        name: munmap-1gib-two-cpus
        machine: { arch: x86, cpus: 2, memory: 4GiB }
        processes:
          - name: app
            threads:
              - cpu: 0
                steps:
                  - mmap: { name: buf, length: 1GiB, populate: true }
                  - munmap: { region: buf }
              - cpu: 1
                steps:
                  - spin: {}          # a thread of the same process keeps the mm live on CPU 1

        """;
}
