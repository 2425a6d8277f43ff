using MmuGather.Cli.Native;
using MmuGather.Cli.Native.Fuzz;
using MmuGather.Scenarios;

namespace MmuGather.Tests.Native;

/// <summary>The host side of the differential fuzzer: long-lived sequence workers, observed after every step.</summary>
[Collection(NativeHostGate.Collection)]
public sealed class NativeSequenceRunnerTests
{
    private const string Spinning = """
        name: seq
        machine: { arch: x86, cpus: 2 }
        processes:
          - name: app
            threads:
              - cpu: 0
                steps:
                  - mmap: { name: a, length: 64KiB, populate: true }
                  - mmap: { name: b, length: 16KiB }
                  - touch: { region: b, write: true, length: 8KiB }
                  - munmap: { region: a, offset: 16KiB, length: 16KiB }
                  - touch: { region: a }
              - cpu: 1
                steps:
                  - spin
        """;

    [NativeFact]
    public void ObservesRoundsLayoutResidencyAndTheFaultingAccess()
    {
        using var runner = new NativeSequenceRunner(NativeHost.Current);
        Scenario s = ScenarioParser.Parse(Spinning, "seq.yaml");
        for (int rep = 0; rep < 2; rep++)
        {
            IReadOnlyList<StepObservation> o = runner.Run(s);
            Assert.Equal(["mmap", "spin", "mmap", "touch", "munmap", "touch"], o.Select(x => x.Op));
            StepObservation munmap = o[4];
            Assert.Equal(1, munmap.FlushRounds); // CPU 1 spins in the mm: one remote round
            Assert.Equal("1111----11111111", munmap.Resident["a"]);
            Assert.Equal("1100", munmap.Resident["b"]);

            // a sits at the top of the arena, b right below it: anonymous, same flags, so the
            // kernel merged them; the munmap split them again.
            Assert.Equal([new VmaView(-80 << 10, -48 << 10, "rw-p", false), new VmaView(-32 << 10, 0, "rw-p", false)], munmap.Layout);
            Assert.Equal("segv", o[5].Access);
        }
    }
}
