namespace MmuGather.Explore;

/// <summary>
/// The outcome of an exploration. Everything but <see cref="WallSeconds"/> depends only on the
/// scenario and the options (not on <c>--jobs</c> or the host's timing). PCT's turns pre-run
/// is not one of <see cref="RunsDone"/>, but when it does not run clean it is counted with the
/// runs that ended the same way and listed first (index <see cref="ExploreRun.PreRunIndex"/>).
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

    /// <summary>Runs the model refused (a step reached what it does not cover); not bad runs.</summary>
    public long RunsRefused { get; init; }

    /// <summary>Runs that raised an unexpected exception: bugs in the simulator.</summary>
    public long RunsInternalError { get; init; }

    /// <summary>The first refused runs (lowest index), each with its seed and the refused step.</summary>
    public IReadOnlyList<ExploreRun> Refused { get; init; } = [];
}
