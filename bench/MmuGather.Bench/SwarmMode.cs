using System.Globalization;
using MmuGather.Swarm;

namespace MmuGather.Bench;

/// <summary>
/// <c>--swarm N [--runs R] [--seed S] [--jobs J] [--out DIR] [--bugs a,b] [--shrink-budget K] [--minutes M]</c>: generates N
/// random valid scenarios (every back-end, gather mode, step kind and machine option), explores
/// each with R random and R PCT interleavings, shrinks and saves every failure, prints progress
/// on stderr and the summary on stdout. Exit 0 when every scenario ran clean, else 1.
/// </summary>
internal static class SwarmMode
{
    public static int Run(string[] args)
    {
        var o = new SwarmOptions { Scenarios = Int(args[0]), Runs = 100, OutDir = "swarm-out" };
        for (int i = 1; i < args.Length; i++)
        {
            o = args[i] switch
            {
                "--runs" => o with { Runs = Int(args[++i]) },
                "--seed" => o with { Seed = ulong.Parse(args[++i], CultureInfo.InvariantCulture) },
                "--jobs" => o with { Jobs = Int(args[++i]) },
                "--out" => o with { OutDir = args[++i] },
                "--bugs" => o with { Bugs = args[++i].Split(',') },
                "--shrink-budget" => o with { ShrinkBudget = Int(args[++i]) },
                "--minutes" => o with { TimeBudget = TimeSpan.FromMinutes(Int(args[++i])) },
                _ => throw new ArgumentException($"unknown option '{args[i]}' (--runs R --seed S --jobs J --out DIR --bugs a,b --shrink-budget K --minutes M)"),
            };
        }

        var start = DateTime.UtcNow;
        SwarmSummary sum = SwarmRunner.Run(o, (result, done, failed) =>
        {
            if (result.Outcome != SwarmOutcome.Clean)
            {
                // Say it at once: a long run's failures are worth acting on before it ends.
                SwarmFailure f = result.ShrunkFailure ?? result.Failure!;
                Console.Error.WriteLine($"[swarm] scenario {result.Index} ({result.Arch}) FAILED: {f.Message}; {f.ReplayLine(result.ShrunkPath ?? result.OriginalPath ?? "FILE")}");
            }

            if (done % 10 == 0 || done == o.Scenarios)
            {
                double s = (DateTime.UtcNow - start).TotalSeconds;
                Console.Error.WriteLine($"[swarm] {done}/{o.Scenarios} scenarios, {failed} failed, {s:F0} s");
            }
        });
        Console.Write(sum.Format());
        return sum.Failures.Count == 0 ? 0 : 1;
    }

    private static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);
}
