using System.Diagnostics;
using System.Text;

namespace MmuGather.Cli;

/// <summary>
/// Progress for a stderr that is not a terminal (a log file, CI). The commands write their
/// self-overwriting status line (<see cref="ProgressLine.Clear"/> then the text) exactly as on
/// a terminal; this writer drops the control characters and lets through a plain line at most
/// once per interval, so a run of many minutes shows it is alive without filling the log
/// with updates. Nothing is written before the first interval has passed, so short runs (and
/// the tests that read stderr) stay silent.
/// </summary>
public sealed class SparseProgressWriter : TextWriter
{
    /// <summary>How often a redirected stderr gets a line: rare enough for a log, often enough to see progress.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);

    private readonly TextWriter _inner;
    private readonly TimeSpan _interval;
    private readonly Func<TimeSpan> _now;
    private readonly Lock _lock = new();
    private TimeSpan _next;

    /// <param name="inner">Where the lines go.</param>
    /// <param name="interval">The least time between two lines (and before the first).</param>
    /// <param name="now">Time since the start; a stopwatch unless a test drives it.</param>
    public SparseProgressWriter(TextWriter inner, TimeSpan interval, Func<TimeSpan>? now = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _interval = interval;
        var clock = Stopwatch.StartNew();
        _now = now ?? (() => clock.Elapsed);
        _next = interval;
    }

    public override Encoding Encoding => _inner.Encoding;

    /// <summary>One status update: written as a line if the interval has passed, else dropped.</summary>
    public override void Write(string? value)
    {
        string line = (value ?? string.Empty).Replace(ProgressLine.Clear, string.Empty, StringComparison.Ordinal).TrimEnd('\n');
        if (line.Length == 0)
        {
            return; // an erase: nothing to say on a log
        }

        lock (_lock)
        {
            TimeSpan now = _now();
            if (now < _next)
            {
                return;
            }

            _next = now + _interval;
            _inner.Write(line + "\n");
            _inner.Flush();
        }
    }

    // The commands write whole updates as strings; route the other overloads there so a
    // character at a time is never mistaken for an update of its own.
    public override void Write(char value) => Write(value.ToString());

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Flush() => _inner.Flush();
}
