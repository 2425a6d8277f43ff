using System.Diagnostics;
using System.Globalization;

namespace MmuGather.Bench;

/// <summary>
/// <c>--quick</c>: no BenchmarkDotNet. One warm-up of each case, then <c>--runs</c> (default 3)
/// timed runs each with a Stopwatch, GC settled before every run. Prints each run and the
/// median, then one machine-readable line:
/// <code>MODEL populate_munmap_ns_per_page=... munmap_ns_per_page=... cpu_populate_munmap_ns_per_page=... cpu_munmap_ns_per_page=... runs=3</code>
/// Beside the wall clock, CPU time is taken (for (b) the measuring thread's, <see cref="ThreadCpu"/>;
/// for (a), which runs on the scheduler's carrier threads, the process's)
/// over the same interval: on a machine shared with other work, time spent waiting for a CPU
/// shows in the wall clock only.
/// <para>Five warm-ups by default: the tiered JIT needs a few runs before the hot loops run
/// optimised code (the first run of a fresh process is 3-4 times slower than the fifth);
/// the first warm-up's time is printed, as it is what a single run of the CLI pays.</para>
/// <c>--breakdown</c> adds experiments that show where the time goes (phases of the user's
/// run, with and without the checkers, allocation per page).
/// </summary>
internal static class QuickMode
{
    public static int Run(string[] args)
    {
        int runs = 3;
        int warmups = 5;
        bool breakdown = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--runs" when i + 1 < args.Length:
                    runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--warmups" when i + 1 < args.Length:
                    warmups = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--breakdown":
                    breakdown = true;
                    break;
                default:
                    Console.Error.WriteLine($"unknown option '{args[i]}' (quick mode takes --runs N, --warmups N and --breakdown)");
                    return 2;
            }
        }

        Console.WriteLine($"# MmuGather model benchmark, quick mode: {BenchCases.Pages} pages (1 GiB), {warmups} warm-up + {runs} runs per case");
        Console.WriteLine($"# .NET {Environment.Version}, {Environment.ProcessorCount} logical CPUs, server GC: {System.Runtime.GCSettings.IsServerGC}");

        // Warm-up: JIT (tiered up by the time the timed runs start) and page-in of the runtime.
        // The first one is what a user's single run from a fresh process pays; it is shown
        // for information but not used in the medians.
        for (int w = 1; w <= warmups; w++)
        {
            long c0 = Stopwatch.GetTimestamp();
            BenchCases.PopulateMunmap();
            double cold = PerPage(Stopwatch.GetElapsedTime(c0));
            MunmapState warm = BenchCases.MunmapSetup();
            c0 = Stopwatch.GetTimestamp();
            long freed = BenchCases.Munmap(warm);
            double coldMunmap = PerPage(Stopwatch.GetElapsedTime(c0));
            BenchCases.VerifyMunmap(warm, freed);
            Console.WriteLine($"warm-up {w}: populate+munmap {cold,8:F1} ns/page   munmap {coldMunmap,8:F1} ns/page{(w == 1 ? "   (first run in a fresh process: JIT and tiering included)" : "")}");
        }

        Console.WriteLine("# warm-up done");

        var full = new List<double>();
        var munmap = new List<double>();
        var fullCpu = new List<double>();
        var munmapCpu = new List<double>();
        for (int r = 1; r <= runs; r++)
        {
            Settle();

            // (a) runs on the scheduler's carrier threads, not on this one: take the process's
            // CPU time (it also counts the waiting carriers' brief spin before they block).
            TimeSpan c0 = Environment.CpuUsage.TotalTime;
            long t0 = Stopwatch.GetTimestamp();
            BenchCases.PopulateMunmap();
            double a = PerPage(Stopwatch.GetElapsedTime(t0));
            double ac = PerPage(Environment.CpuUsage.TotalTime - c0);
            full.Add(a);
            fullCpu.Add(ac);

            MunmapState s = BenchCases.MunmapSetup();
            Settle();
            c0 = ThreadCpu.Now();
            t0 = Stopwatch.GetTimestamp();
            long freed = BenchCases.Munmap(s);
            double b = PerPage(Stopwatch.GetElapsedTime(t0));
            double bc = PerPage(ThreadCpu.Now() - c0);
            BenchCases.VerifyMunmap(s, freed);
            munmap.Add(b);
            munmapCpu.Add(bc);
            Console.WriteLine($"run {r}: populate+munmap {a,8:F1} ns/page   munmap {b,8:F1} ns/page   (cpu {ac,8:F1} / {bc,8:F1})");
        }

        double fullMedian = Median(full);
        double munmapMedian = Median(munmap);
        double fullCpuMedian = Median(fullCpu);
        double munmapCpuMedian = Median(munmapCpu);
        Console.WriteLine($"median: populate+munmap {fullMedian,8:F1} ns/page   munmap {munmapMedian,8:F1} ns/page   (cpu {fullCpuMedian,8:F1} / {munmapCpuMedian,8:F1})");

        if (breakdown)
        {
            Breakdown.Run(runs);
        }

        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"MODEL populate_munmap_ns_per_page={fullMedian:F1} munmap_ns_per_page={munmapMedian:F1} cpu_populate_munmap_ns_per_page={fullCpuMedian:F1} cpu_munmap_ns_per_page={munmapCpuMedian:F1} runs={runs}"));
        return 0;
    }

    internal static double PerPage(TimeSpan t) => t.TotalNanoseconds / BenchCases.Pages;

    internal static double Median(List<double> xs)
    {
        var sorted = xs.OrderBy(x => x).ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>Collects everything the previous run left, so that a run does not pay for its predecessor's garbage.</summary>
    internal static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
