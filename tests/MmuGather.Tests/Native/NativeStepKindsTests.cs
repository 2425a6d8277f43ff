using System.Text.Json;
using MmuGather.Tests.Cli;

namespace MmuGather.Tests.Native;

/// <summary>Every step kind the native executor runs, in two processes, ends well.</summary>
[Collection(NativeHostGate.Collection)]
public class NativeStepKindsTests
{
    [NativeFact]
    public void EveryStepKindRunsInTurnsOrder()
    {
        using var dir = new ScratchDir();
        string file = dir.Write("kinds.yaml", """
            name: kinds
            processes:
              - name: app
                threads:
                  - cpu: 0
                    steps:
                      - mmap: { name: anon, length: 64KiB, populate: true }
                      - mmap: { name: huge, length: 4MiB, thp: true, populate: true }
                      - mmap: { name: shared, length: 64KiB, kind: file-shared, populate: true }
                      - mmap: { name: private, length: 64KiB, kind: file-private, populate: true }
                      - touch: { region: shared, write: true }
                      - writeback: { region: shared, repeat: 2 }
                      - madvise: { region: anon, advice: dontneed }
                      - touch: { region: anon, repeat: 3 }
                      - munmap: { region: huge }
                      - munmap: { region: shared }
                      - munmap: { region: private }
                      - exit
                  - cpu: 1
                    steps:
                      - touch: { region: anon, write: true }
                      - spin
                      - exit
              - name: other
                threads:
                  - cpu: 1
                    steps:
                      - mmap: { name: buf, length: 16KiB }
                      - touch: { region: buf, write: true }
            """);
        CliRun run = CliHarness.Run("native", file, "--reps", "1", "--format", "json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        using JsonDocument doc = JsonDocument.Parse(run.Stdout);
        var steps = doc.RootElement.GetProperty("steps").EnumerateArray().ToArray();
        Assert.Equal(17, steps.Length);

        // Turns: app/0, app/1, other/0, app/0, ... and app/1's touch of 'anon' waits for its mmap (already done).
        string[] order = [.. steps.Take(4).Select(s => $"{s.GetProperty("thread").GetString()} {s.GetProperty("op").GetString()}")];
        Assert.Equal(["app/0 mmap", "app/1 touch", "other/0 mmap", "app/0 mmap"], order);
        Assert.All(steps, s => Assert.StartsWith("ok", s.GetProperty("outcome").GetString(), StringComparison.Ordinal));
        Assert.Equal("ok (process exited)", steps.Last(s => s.GetProperty("op").GetString() == "exit").GetProperty("outcome").GetString());

        // The touch after MADV_DONTNEED faults every page of 'anon' back in (16 pages of 4 KiB), once.
        JsonElement retouch = steps.Single(s => s.GetProperty("op").GetString() == "touch" && s.GetProperty("line").GetInt32() == 14);
        Assert.InRange(retouch.GetProperty("minor_faults").GetProperty("median").GetInt64(), 16, 20);
    }
}
