namespace MmuGather.Explore;

/// <summary>
/// The outcome of an exploration. Everything but <see cref="WallSeconds"/> depends only on the
/// scenario and the options (not on <c>--jobs</c> or the host's timing).
/// </summary>
public sealed record ExploreSummary(
    string Scenario,
    string Strategy,
    ulong BaseSeed,
    long PctSteps,
    long RunsDone,
    long RunsWithViolations,
    long RunsFailed,
    long? FirstBadRun,
    IReadOnlyDictionary<string, long> RunsByChecker,
    IReadOnlyList<ExploreRun> Bad,
    long TotalPoints,
    double WallSeconds)
{
    public double RunsPerSecond => WallSeconds > 0 ? RunsDone / WallSeconds : 0;
}
