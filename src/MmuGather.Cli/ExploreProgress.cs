using System.Diagnostics;
using System.Globalization;

namespace MmuGather.Cli;

/// <summary>
/// The self-overwriting status line of <c>explore</c> on a terminal's stderr (a plain line now
/// and then on a redirected one, through <see cref="SparseProgressWriter"/>): runs done, bad
/// runs (refused ones are not), runs per second of wall time. The explorer calls it from every job's
/// thread, so writes are serialised.
/// </summary>
public sealed class ExploreProgress(TextWriter stderr, long totalRuns)
{
    private readonly Lock _lock = new();
    private readonly Stopwatch _wall = Stopwatch.StartNew();

    /// <summary>Shows <paramref name="done"/> runs finished, <paramref name="bad"/> of them bad.</summary>
    public void Report(long done, long bad)
    {
        double seconds = _wall.Elapsed.TotalSeconds;
        double rate = seconds > 0 ? done / seconds : 0;
        string line = string.Create(CultureInfo.InvariantCulture, $"[explore] {done}/{totalRuns} runs, {bad} bad, {rate:F0} runs/s");
        lock (_lock)
        {
            stderr.Write(ProgressLine.Clear + line);
            stderr.Flush();
        }
    }

    /// <summary>Erases the line.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            stderr.Write(ProgressLine.Clear);
            stderr.Flush();
        }
    }
}
