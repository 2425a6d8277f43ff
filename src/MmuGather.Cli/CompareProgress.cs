namespace MmuGather.Cli;

/// <summary>
/// The status line of <c>compare</c> on a terminal's stderr: which back-end runs and where it
/// is ("[compare 2/4 s390] [3/5] thread app/0 step 2 (munmap, line 14)"). Reports on stdout
/// are never touched.
/// </summary>
public sealed class CompareProgress(TextWriter stderr, string arch, int index, int count)
{
    /// <summary>Shows the step about to run in this back-end's run.</summary>
    public void Report(int done, int total, string next)
    {
        stderr.Write($"{ProgressLine.Clear}[compare {index + 1}/{count} {arch}] [{done}/{total}] {next}");
        stderr.Flush();
    }

    /// <summary>Erases the line.</summary>
    public void Clear()
    {
        stderr.Write(ProgressLine.Clear);
        stderr.Flush();
    }
}
