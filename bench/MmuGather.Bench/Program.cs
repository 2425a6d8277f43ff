using BenchmarkDotNet.Running;
using MmuGather.Bench;

// --quick [--runs N] [--breakdown]: Stopwatch runs for a fast local check (see QuickMode).
// Anything else goes to BenchmarkDotNet, e.g. --filter '*'.
if (args.Length > 0 && args[0] == "--quick")
{
    return QuickMode.Run(args[1..]);
}

if (args.Length > 1 && args[0] == "--explore-profile")
{
    return ExploreProfile.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "--bug-zoo")
{
    return BugZoo.Run(args[1..]);
}

if (args.Length > 1 && args[0] == "--swarm")
{
    return SwarmMode.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(PopulateMunmapBenchmark).Assembly).Run(args);
return 0;
