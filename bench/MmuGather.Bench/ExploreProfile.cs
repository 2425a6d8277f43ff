using System.Diagnostics;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Bench;

/// <summary>
/// <c>--explore-profile FILE [--runs N]</c>: where one explored run's time goes (building the
/// simulation, running it) per strategy, with scheduling points and host hand-overs per run.
/// </summary>
internal static class ExploreProfile
{
    public static int Run(string[] args)
    {
        Scenario s = ScenarioParser.ParseFile(args[0]);
        int runs = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 300;
        foreach (string strategy in new[] { Strategies.Turns, Strategies.Random, Strategies.Pct })
        {
            using var pool = new MmuGather.Sim.Scheduling.CarrierPool();
            var settings = new RunSettings { Strategy = strategy, PctSteps = 200, Pool = pool };
            long build = 0, run = 0, points = 0, switches = 0;
            for (int i = 0; i < runs; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                Simulation sim = ScenarioRunner.Build(s, (ulong)i + 1, settings);
                long t1 = Stopwatch.GetTimestamp();
                sim.Run();
                long t2 = Stopwatch.GetTimestamp();
                if (i >= runs / 10)
                {
                    build += t1 - t0;
                    run += t2 - t1;
                }

                points += sim.Scheduler.Points;
                switches += sim.Scheduler.Switches;
            }

            double n = runs - (runs / 10);
            double us(long ticks) => ticks * 1e6 / Stopwatch.Frequency / n;
            Console.WriteLine($"{strategy,-7} build {us(build),8:F0} us  run {us(run),8:F0} us  points/run {points / runs}  switches/run {switches / runs}");
        }

        return 0;
    }
}
