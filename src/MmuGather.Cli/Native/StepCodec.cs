using System.Globalization;
using MmuGather.Scenarios;

namespace MmuGather.Cli.Native;

/// <summary>
/// One step as one line of words, for the sequence worker's <c>load</c>: region names are
/// scenario names (no spaces), lengths in bytes, '-' for "to the end of the region".
/// </summary>
internal static class StepCodec
{
    public static string Encode(Step step) => step switch
    {
        MmapStep m => Line("mmap", m.Name, N(m.Length), m.Kind.ToString(), B(m.Populate), B(m.Thp)),
        MunmapStep u => Line("munmap", u.Region, N(u.Offset), L(u.Length)),
        MadviseStep a => Line("madvise", a.Region, a.Advice, N(a.Offset), L(a.Length)),
        MprotectStep p => Line("mprotect", p.Region, p.Prot, N(p.Offset), L(p.Length)),
        TouchStep t => Line("touch", t.Region, B(t.Write), N(t.Offset), L(t.Length), t.Repeat.ToString(CultureInfo.InvariantCulture)),
        MremapStep r => Line("mremap", r.Region, N(r.Length), B(r.MayMove)),
        SpinStep => "spin",
        _ => throw new ArgumentException($"a sequence worker does not run {step.GetType().Name}", nameof(step)),
    };

    public static Step Decode(string line)
    {
        string[] w = line.Split(' ');
        return w[0] switch
        {
            "mmap" => new MmapStep(0, w[1], U(w[2]), w[4] == "1", Enum.Parse<MappingKind>(w[3]), w[5] == "1"),
            "munmap" => new MunmapStep(0, w[1], U(w[2]), O(w[3])),
            "madvise" => new MadviseStep(0, w[1], w[2], U(w[3]), O(w[4])),
            "mprotect" => new MprotectStep(0, w[1], w[2], U(w[3]), O(w[4])),
            "touch" => new TouchStep(0, w[1], w[2] == "1", U(w[3]), O(w[4]), int.Parse(w[5], CultureInfo.InvariantCulture)),
            "mremap" => new MremapStep(0, w[1], U(w[2]), w[3] == "1"),
            "spin" => new SpinStep(0),
            _ => throw new FormatException($"not a step: '{line}'"),
        };
    }

    private static string Line(params string[] words) => string.Join(' ', words);

    private static string N(ulong v) => v.ToString(CultureInfo.InvariantCulture);

    private static string L(ulong? v) => v is { } x ? N(x) : "-";

    private static string B(bool b) => b ? "1" : "0";

    private static ulong U(string s) => ulong.Parse(s, CultureInfo.InvariantCulture);

    private static ulong? O(string s) => s == "-" ? null : U(s);
}
