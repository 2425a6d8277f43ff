using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Tests.Machine;

/// <summary>A protection fault drops the faulting translation, so a fault handler that upgrades a PTE in place is seen.</summary>
public sealed class ProtectionFaultTests
{
    [Theory]
    [InlineData("x86")]
    [InlineData("arm64")]
    public void AWriteAfterAReadOfASharedFilePageGoesThrough(string arch)
    {
        // Read first: mapped read-only (dirty tracking). The write then upgrades the PTE in
        // place (wp_page_shared) with no flush; the stale read-only TLB entry must not win.
        string yaml = $$"""
            name: wp
            machine: { arch: {{arch}}, cpus: 2 }
            processes:
              - name: app
                threads:
                  - cpu: 0
                    steps:
                      - mmap: { name: f, length: 4KiB, kind: file-shared }
                      - touch: { region: f }
                      - touch: { region: f, write: true }
            """;
        RunResult r = ScenarioRunner.Build(ScenarioParser.Parse(yaml, "wp.yaml")).Run();
        Assert.Equal(0, r.Counters["user_segv"]);
        Assert.Equal(2, r.Counters["page_faults"]); // the read fault, then the write-protect fault
        Assert.Empty(r.Violations);
    }
}
