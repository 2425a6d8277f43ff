using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Tests.Mm;

/// <summary>do_fault_around: a read fault on a file page maps the cached neighbours too.</summary>
public sealed class FaultAroundTests
{
    // A populated file-private mapping whose private copies MADV_DONTNEED dropped: the page
    // cache still holds both pages. A read of page 1 maps page 0 as well (one fault), so the
    // write over both copies two present read-only pages: two flushed translations, two
    // remote rounds with CPU 1 in the mm (the host: 2 [2]; without fault-around, 1).
    private const string Yaml = """
        name: fault-around
        machine: { arch: x86, cpus: 2 }
        processes:
          - name: app
            threads:
              - cpu: 0
                steps:
                  - mmap: { name: r0, length: 8KiB, populate: true, kind: file-private }
                  - madvise: { region: r0, advice: dontneed }
                  - touch: { region: r0, offset: 4KiB }
                  - touch: { region: r0, write: true }
              - cpu: 1
                steps:
                  - spin
        """;

    [Fact]
    public void AReadFaultMapsTheCachedNeighbours()
    {
        RunResult r = ScenarioRunner.Build(ScenarioParser.Parse(Yaml, "fault-around.yaml"), null, RunSettings.Default with { Strategy = Strategies.Turns }).Run();
        StepResult read = r.Steps.Single(s => s.Line == 10);
        StepResult write = r.Steps.Single(s => s.Line == 11);
        Assert.Equal(1, read.PageFaults);
        Assert.Equal(2, write.PageFaults); // both pages present read-only: two write-protect faults
        Assert.Equal(2, write.RemoteFlushRounds);
        Assert.Empty(r.Violations);
    }
}
