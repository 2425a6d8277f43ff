namespace MmuGather.Cli;

/// <summary>
/// One self-overwriting status line on a terminal's stderr ("step 3/5: thread app/0 step 2
/// (munmap, line 14)"), so a long run shows where it is. On a redirected stderr the writer is
/// a <see cref="SparseProgressWriter"/>, which turns it into a plain line now and then;
/// reports on stdout are never touched.
/// </summary>
public sealed class ProgressLine(TextWriter stderr)
{
    /// <summary>Erases the line (carriage return, clear to end of line).</summary>
    public const string Clear = "\r\u001b[K";

    public void Report(int done, int total, string next)
    {
        stderr.Write($"{Clear}[{done}/{total}] {next}");
        stderr.Flush();
    }
}
