using System.Globalization;
using System.Text;
using System.Text.Json;
using MmuGather.Scenarios;

namespace MmuGather.Cli.Native;

/// <summary>A median with its range, over the repetitions.</summary>
internal readonly record struct Spread(long Median, long Min, long Max, IReadOnlyList<long> Runs)
{
    /// <summary>The median (for an even count, the mean of the two middle values rounded down), min and max of <paramref name="values"/>, which are kept in run order too.</summary>
    public static Spread Of(IEnumerable<long> values)
    {
        long[] runs = values.ToArray();
        long[] v = runs.Order().ToArray();
        long median = v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
        return new Spread(median, v[0], v[^1], runs);
    }

    public override string ToString() => Min == Max ? $"{Median} [{Min}]" : $"{Median} [{Min}..{Max}]";

    public void Write(Utf8JsonWriter w, string name)
    {
        w.WriteStartObject(name);
        w.WriteNumber("median", Median);
        w.WriteNumber("min", Min);
        w.WriteNumber("max", Max);
        w.WriteStartArray("runs");
        foreach (long r in Runs)
        {
            w.WriteNumberValue(r);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }
}
