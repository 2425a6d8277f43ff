namespace MmuGather.Tests.Mm;

/// <summary>Fork workloads shared by the checker and the per-architecture tests.</summary>
internal static class ForkScenarios
{
    /// <summary>
    /// The parent's sibling stores to the first 64 KiB of the buffer on CPU 1 before, during
    /// and after thread 0's fork on CPU 0 (it waits for <c>forked</c>, mapped after the fork
    /// returned, before its last pass). The buffer spans two PTE tables, so the fork has a
    /// reschedule point after copying the first. The child reads the buffer and spins,
    /// keeping every page shared.
    /// </summary>
    public static string SiblingStoresAcrossFork(string arch = "x86", string kernel = "") => $$"""
        name: fork-sibling-stores
        machine: { arch: {{arch}}, cpus: 2 }
        kernel: { {{kernel}} }
        processes:
          - name: parent
            threads:
              - cpu: 0
                steps:
                  - mmap: { name: buf, length: 2112KiB, populate: true }
                  - fork: { child: child }
                  - mmap: { name: forked, length: 4KiB }
              - cpu: 1
                steps:
                  - touch: { region: buf, write: true, length: 64KiB, repeat: 20 }
                  - touch: { region: forked, write: true }
                  - touch: { region: buf, write: true, length: 64KiB }
                  - spin
          - name: child
            forked_from: parent
            threads:
              - cpu: 0
                steps:
                  - touch: { region: buf, length: 64KiB }
                  - spin
        """;
}
