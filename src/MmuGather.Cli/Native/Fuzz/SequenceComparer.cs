using System.Globalization;
using System.Text;

namespace MmuGather.Cli.Native.Fuzz;

/// <summary>
/// Puts the model's observations of a sequence against the host's, step by step (paired by
/// thread and line: each step of a generated sequence runs at most once). The first native
/// run judges access, layout and residency (deterministic); the rounds of a step agree when
/// the model's lie within the min..max of every native run given.
/// </summary>
internal static class SequenceComparer
{
    public static SequenceVerdict Compare(IReadOnlyList<StepObservation> model, IReadOnlyList<IReadOnlyList<StepObservation>> native)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(native);
        if (native.Count == 0)
        {
            throw new ArgumentException("at least one native run is needed", nameof(native));
        }

        var runs = native.Select(Index).ToList();
        var mismatches = new List<FuzzMismatch>();
        var seen = new HashSet<(int, int)>();
        foreach (StepObservation m in model)
        {
            seen.Add((m.Thread, m.Line));
            if (!runs[0].TryGetValue((m.Thread, m.Line), out StepObservation? n))
            {
                mismatches.Add(new FuzzMismatch(FuzzCategory.Access, m.Thread, m.Line, m.Op, $"ran ({m.Access})", "not run"));
                continue;
            }

            CompareStep(m, n, runs, mismatches);
        }

        IEnumerable<StepObservation> extra = native[0].Where(n => !seen.Contains((n.Thread, n.Line)));
        int steps = model.Count;
        foreach (StepObservation n in extra)
        {
            steps++;
            mismatches.Add(new FuzzMismatch(FuzzCategory.Access, n.Thread, n.Line, n.Op, "not run", $"ran ({n.Access})"));
        }

        return new SequenceVerdict(steps, mismatches);
    }

    private static Dictionary<(int, int), StepObservation> Index(IReadOnlyList<StepObservation> run)
    {
        var d = new Dictionary<(int, int), StepObservation>();
        foreach (StepObservation o in run)
        {
            d.TryAdd((o.Thread, o.Line), o);
        }

        return d;
    }

    private static void CompareStep(StepObservation m, StepObservation n, List<Dictionary<(int, int), StepObservation>> runs, List<FuzzMismatch> into)
    {
        FuzzMismatch Miss(FuzzCategory c, string model, string native) => new(c, m.Thread, m.Line, m.Op, model, native);

        if (!m.Layout.SequenceEqual(n.Layout))
        {
            into.Add(Miss(FuzzCategory.Layout, Describe(m.Layout), Describe(n.Layout)));
        }

        if (m.Access != n.Access)
        {
            into.Add(Miss(FuzzCategory.Access, m.Access, n.Access));
        }

        if (FirstResidentDifference(m.Resident, n.Resident) is { } region)
        {
            into.Add(Miss(FuzzCategory.Residency, Describe(region, m.Resident), Describe(region, n.Resident)));
        }

        var rounds = runs.Where(r => r.ContainsKey((m.Thread, m.Line))).Select(r => r[(m.Thread, m.Line)].FlushRounds).ToList();
        if (m.FlushRounds < rounds.Min() || m.FlushRounds > rounds.Max())
        {
            string range = rounds.Min() == rounds.Max() ? N(rounds.Min()) : $"{N(rounds.Min())}..{N(rounds.Max())}";
            into.Add(Miss(FuzzCategory.Rounds, N(m.FlushRounds), $"{range} over {rounds.Count} run(s)"));
        }
    }

    private static string? FirstResidentDifference(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
    {
        foreach (string key in a.Keys.Union(b.Keys).Order(StringComparer.Ordinal))
        {
            if (!a.TryGetValue(key, out string? x) || !b.TryGetValue(key, out string? y) || x != y)
            {
                return key;
            }
        }

        return null;
    }

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>The vmas as "[start,end) perms kind", offsets in hex.</summary>
    public static string Describe(IReadOnlyList<VmaView> layout) =>
        layout.Count == 0 ? "(no vmas)" : string.Join(" ", layout.Select(v => $"[{Hex(v.Start)},{Hex(v.End)}) {v.Perms} {(v.File ? "file" : "anon")}"));

    private static string Hex(long v) => v < 0 ? $"-0x{(ulong)-v:x}" : $"0x{v:x}";

    /// <summary>A region's pages run-length encoded ("1x511 0x1"), or "absent".</summary>
    public static string Describe(string region, IReadOnlyDictionary<string, string> resident) =>
        resident.TryGetValue(region, out string? pages) ? $"{region}: {RunLength(pages)}" : $"{region}: absent";

    public static string RunLength(string pages)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < pages.Length;)
        {
            int j = i;
            while (j < pages.Length && pages[j] == pages[i])
            {
                j++;
            }

            sb.Append(sb.Length > 0 ? " " : "").Append(pages[i]).Append('x').Append(j - i);
            i = j;
        }

        return sb.Length == 0 ? "(no pages)" : sb.ToString();
    }
}
