using System.Globalization;
using System.Text;

namespace MmuGather.Tests.Scenarios;

/// <summary>What a fuzz run saw: mutants per exit code (-1: parsed only, valid but over the fuzz run limits) and the slowest one.</summary>
internal sealed class FuzzFigures
{
    private readonly SortedDictionary<int, int> _byExit = [];
    private TimeSpan _slowest;
    private string _slowestWhat = "none";
    private TimeSpan _total;

    public void Record(int exitCode, TimeSpan elapsed, string what)
    {
        _byExit[exitCode] = _byExit.GetValueOrDefault(exitCode) + 1;
        _total += elapsed;
        if (elapsed > _slowest)
        {
            _slowest = elapsed;
            _slowestWhat = what;
        }
    }

    public string Summary(int mutants)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"mutants: {mutants}, total {_total.TotalSeconds:F1} s\n");
        foreach ((int code, int count) in _byExit)
        {
            string label = code < 0 ? "parsed only (valid, over the fuzz run limits)" : $"exit {code}";
            sb.Append(CultureInfo.InvariantCulture, $"  {label}: {count}\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"slowest: {_slowest.TotalMilliseconds:F0} ms, {_slowestWhat}\n");
        return sb.ToString();
    }
}
