using System.Diagnostics;
using System.Globalization;

namespace MmuGather.Tests.Native;

/// <summary>
/// A session killed mid-run (SIGKILL: no cleanup code runs) leaves no worker behind: each
/// worker exits on EOF of its stdin pipe and has PR_SET_PDEATHSIG.
/// </summary>
[Collection(NativeHostGate.Collection)]
public class NativeOrphanTests
{
    [NativeFact]
    public void KilledSessionLeavesNoWorker()
    {
        using var dir = new ScratchDir();

        // Long enough to be killed in the middle: 20 repetitions of populating and unmapping
        // 1 GiB while a sibling spins (about a second each here), within the scenario
        // limits' page-access budget (docs/scenario-limits.md).
        string file = dir.Write("long.yaml", """
            name: long
            processes:
              - name: app
                threads:
                  - cpu: 1
                    steps:
                      - spin
                  - cpu: 0
                    steps:
                      - mmap: { name: buf, length: 1GiB, populate: true }
                      - munmap: { region: buf }
              - name: other
                threads:
                  - cpu: 0
                    steps:
                      - mmap: { name: small, length: 4KiB }
            """);
        var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "mmugather"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "native", file, "--reps", "20" })
        {
            psi.ArgumentList.Add(a);
        }

        using Process session = Process.Start(psi)!;
        int[] workers = [];
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30) && workers.Length < 2)
        {
            Thread.Sleep(100);
            workers = WorkersOf(session.Id);
        }

        Assert.Equal(2, workers.Length);
        Thread.Sleep(1000); // mid-run: the touch step is going
        Assert.False(session.HasExited, "the session ended before it could be killed");
        session.Kill(); // SIGKILL, the session's own process only
        session.WaitForExit();

        clock.Restart();
        while (clock.Elapsed < TimeSpan.FromSeconds(10) && workers.Any(Alive))
        {
            Thread.Sleep(50);
        }

        Assert.DoesNotContain(workers, Alive);
    }

    /// <summary>The native-worker children of <paramref name="parent"/>.</summary>
    private static int[] WorkersOf(int parent)
    {
        var found = new List<int>();
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (cmdline.Contains("native-worker", StringComparison.Ordinal) && ParentOf(pid) == parent)
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
        }

        return [.. found];
    }

    private static int? ParentOf(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[1], CultureInfo.InvariantCulture);
    }

    /// <summary>Still a live process (a zombie waiting for its reaper counts as gone).</summary>
    private static bool Alive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
