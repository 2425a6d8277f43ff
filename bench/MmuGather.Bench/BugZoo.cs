using System.Diagnostics;
using System.Globalization;
using MmuGather.Explore;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Bench;

/// <summary>
/// <c>--bug-zoo [DIR] [--seeds N] [--runs N] [--clean-runs N] [--jobs J] [--depth D]</c>: for every scenario
/// in DIR (default scenarios/bugs), explores with each strategy from seeds 1..N, stopping at
/// the first run with a violation, and reports the runs-to-find (median over seeds); then
/// runs each scenario with its bug switches removed and counts violations (there must be
/// none). The figures in docs/bugs.md come from here.
/// </summary>
internal static class BugZoo
{
    private static readonly string[] s_strategies = [Strategies.Random, Strategies.Pct];

    public static int Run(string[] args)
    {
        string dir = "scenarios/bugs";
        int seeds = 10;
        int runs = 1000;
        int cleanRuns = 10_000;
        int jobs = 1;
        int depth = 3;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seeds": seeds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--clean-runs": cleanRuns = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--jobs": jobs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--depth": depth = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: dir = args[i]; break;
            }
        }

        var files = Directory.GetFiles(dir, "*.yaml").Order(StringComparer.Ordinal).ToList();
        Console.WriteLine($"| scenario | bug | strategy | runs to find, seeds 1..{seeds} | median | checker |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (string file in files)
        {
            Scenario s = ScenarioParser.ParseFile(file);
            foreach (string strategy in s_strategies)
            {
                FindRow(s, strategy, seeds, runs, jobs, depth);
            }
        }

        Console.WriteLine();
        Console.WriteLine("| scenario (fixes in place) | strategy | runs | runs with violations | failed runs | points/run | wall s | runs/s |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        long total = 0;
        long bad = 0;
        var wall = Stopwatch.StartNew();
        foreach (string file in files)
        {
            Scenario s = ScenarioParser.ParseFile(file);
            Scenario fixedScenario = s with { Kernel = s.Kernel with { Bugs = [] } };
            foreach (string strategy in s_strategies)
            {
                // --clean-runs is the total over every scenario and strategy.
                int each = Math.Max(1, cleanRuns / (files.Count * s_strategies.Length));
                var o = new ExploreOptions { Runs = each, BaseSeed = 1, Strategy = strategy, Jobs = jobs };
                ExploreSummary sum = Explorer.Explore(fixedScenario, o);
                total += sum.RunsDone;
                bad += sum.RunsWithViolations + sum.RunsFailed;
                Console.WriteLine($"| {s.Name} | {strategy} | {sum.RunsDone} | {sum.RunsWithViolations} | {sum.RunsFailed} | {sum.TotalPoints / Math.Max(1, sum.RunsDone)} | {sum.WallSeconds:F1} | {sum.RunsPerSecond:F0} |");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"ZOO clean_runs={total} bad_runs={bad} wall_s={wall.Elapsed.TotalSeconds:F1} jobs={jobs}");
        return bad == 0 ? 0 : 1;
    }

    private static void FindRow(Scenario s, string strategy, int seeds, int runs, int jobs, int depth)
    {
        var found = new List<long>();
        var checkers = new SortedSet<string>(StringComparer.Ordinal);
        // PCT's k from one turns run, given explicitly: explore would otherwise run that turns
        // pre-run itself and report a bug it shows as found before any PCT run (index -1),
        // and this table counts what PCT's own runs need.
        long? pctSteps = strategy == Strategies.Pct ? Explorer.EstimatePoints(s) : null;
        for (int seed = 1; seed <= seeds; seed++)
        {
            var o = new ExploreOptions { Runs = runs, BaseSeed = (ulong)seed, Strategy = strategy, StopOnFirst = true, Jobs = jobs, PctDepth = depth, PctSteps = pctSteps };
            ExploreSummary sum = Explorer.Explore(s, o);
            found.Add(sum.FirstBadRun is { } f ? f + 1 : long.MaxValue);
            foreach (string c in sum.RunsByChecker.Keys)
            {
                checkers.Add(c);
            }

            if (sum.RunsFailed > 0)
            {
                checkers.Add("FAILED: " + sum.Bad.First(b => b.Failure is not null).Failure);
            }
        }

        string list = string.Join(", ", found.Select(f => f == long.MaxValue ? $">{runs}" : f.ToString(CultureInfo.InvariantCulture)));
        var sorted = found.Order().ToList();
        long median = sorted[(sorted.Count - 1) / 2];
        string med = median == long.MaxValue ? $">{runs}" : median.ToString(CultureInfo.InvariantCulture);
        Console.WriteLine($"| {s.Name} | {string.Join(", ", s.Kernel.Bugs)} | {strategy} | {list} | {med} | {string.Join(", ", checkers)} |");
    }
}
