namespace MmuGather.Tests.Arch;

/// <summary>x86's flush_tlb_mm_range decisions: ceiling, lazy CPUs, generations.</summary>
public class X86FlushTests
{
    private static string Madvise(long pages, string t1Steps) => $$"""
        name: x86
        machine: { arch: x86, cpus: 2, memory: 256MiB }
        processes:
          - name: app
            threads:
              - cpu: 0
                steps:
                  - mmap: { name: buf, length: 4MiB, populate: true }
                  - madvise: { region: buf, advice: dontneed, length: {{pages * 4096}} }
                  - munmap: { region: buf }
              - cpu: 1
                steps:
        {{t1Steps}}
        """;

    [Fact]
    public void UpToThirtyThreePagesAreInvalidatedOneByOneRemotely()
    {
        var r = TestScenarios.Run(Madvise(33, "          - spin: {}"));

        Assert.Equal(1, TestScenarios.StepOf(r, "madvise").TlbShootdownIpis);
        Assert.Equal(1, r.Counters["remote_partial_flushes"]);
        Assert.Equal(1, r.Counters["remote_full_flushes"]); // the munmap (1024 pages > 33)
        Assert.Empty(r.Violations);
    }

    [Fact]
    public void ThirtyFourPagesBecomeAFullFlush()
    {
        var r = TestScenarios.Run(Madvise(34, "          - spin: {}"));

        Assert.Equal(0, r.Counters["remote_partial_flushes"]);
        Assert.Equal(2, r.Counters["remote_full_flushes"]);
        Assert.Empty(r.Violations);
    }

    [Fact]
    public void LazyCpuIsSkippedUnlessTablesWereFreed()
    {
        // CPU1 touches the buffer, then its thread blocks: CPU1 idles with the mm loaded (lazy).
        var r = TestScenarios.Run(Madvise(16, "          - touch: { region: buf, length: 8KiB }"));

        Assert.Equal(0, TestScenarios.StepOf(r, "madvise").TlbShootdownIpis); // no tables freed: lazy CPU skipped
        Assert.Equal(1, TestScenarios.StepOf(r, "munmap").TlbShootdownIpis);  // tables freed: lazy CPU must drop the mm
        Assert.Empty(r.Violations);
    }

    [Fact]
    public void FlushRoundsCountTheLazyCpuThatGetsNoIpi()
    {
        // As Linux's tlb:tlb_flush "remote IPI send": a round is counted when mm_cpumask holds
        // another CPU, before lazy CPUs are filtered out, so the madvise counts one round and no IPI.
        var r = TestScenarios.Run(Madvise(16, "          - touch: { region: buf, length: 8KiB }"));

        Assert.Equal((1L, 0L), (TestScenarios.StepOf(r, "madvise").RemoteFlushRounds, TestScenarios.StepOf(r, "madvise").TlbShootdownIpis));
        Assert.Equal((1L, 1L), (TestScenarios.StepOf(r, "munmap").RemoteFlushRounds, TestScenarios.StepOf(r, "munmap").TlbShootdownIpis));
        Assert.Equal(2, r.Counters["remote_flush_rounds"]);
    }

    [Fact]
    public void NoRoundWithoutAnotherCpuInTheMask()
    {
        string yaml = """
            name: alone
            machine: { arch: x86, cpus: 2, memory: 256MiB }
            processes:
              - name: app
                threads:
                  - cpu: 0
                    steps:
                      - mmap: { name: buf, length: 4MiB, populate: true }
                      - munmap: { region: buf }
            """;
        var r = TestScenarios.Run(yaml);

        Assert.Equal(0, TestScenarios.StepOf(r, "munmap").RemoteFlushRounds);
        Assert.Equal(1024, TestScenarios.StepOf(r, "mmap").PageFaults);
    }

    [Fact]
    public void ACpuReturningToTheMmCatchesUpOnFlushesItSkipped()
    {
        // Round 1: CPU1 fills its TLB from app's buffer, then switches to process "other".
        // Round 2: CPU0's madvise skips CPU1 (it runs another mm: no IPI); then app's thread
        // returns to CPU1, whose generation for app lags: switch_mm flushes app's PCID fully.
        // Without that catch-up CPU1's next touch would hit a stale entry (stale-tlb).
        string yaml = """
            name: switch-back
            machine: { arch: x86, cpus: 2, memory: 256MiB }
            processes:
              - name: app
                threads:
                  - cpu: 0
                    steps:
                      - mmap: { name: buf, length: 64KiB, populate: true }
                      - madvise: { region: buf, advice: dontneed }
                  - cpu: 1
                    steps:
                      - touch: { region: buf, write: true }
                      - touch: { region: buf, write: true }
              - name: other
                threads:
                  - cpu: 1
                    steps:
                      - mmap: { name: x, length: 16KiB, populate: true }
                      - touch: { region: x }
            """;
        var r = TestScenarios.Run(yaml);

        Assert.Equal(0, TestScenarios.StepOf(r, "madvise").TlbShootdownIpis);
        var secondTouch = r.Steps.Where(s => s.Thread == "app/1").Last();
        Assert.Equal(0, r.Counters["user_segv"]);
        Assert.Empty(r.Violations);
        Assert.Equal(1, secondTouch.Cpu);
    }
}
