namespace MmuGather.Cli;

/// <summary>Which counters the text report shows, and in what order.</summary>
public static class CounterSelection
{
    /// <summary>Always shown first, in this order (when the run reports them).</summary>
    public static IReadOnlyList<string> Headline { get; } =
    [
        "tlb_shootdown_ipis",
        "pages_freed",
        "page_tables_freed",
        "tlb_flushes",
        "gather_forced_flushes",
        "table_batch_flushes",
    ];

    /// <summary>The headline counters, then every other non-zero counter in the order given.</summary>
    public static IReadOnlyList<KeyValuePair<string, long>> MainCounters(IReadOnlyDictionary<string, long> counters)
    {
        ArgumentNullException.ThrowIfNull(counters);
        var headline = Headline
            .Where(counters.ContainsKey)
            .Select(key => new KeyValuePair<string, long>(key, counters[key]));
        var others = counters.Where(kv => kv.Value != 0 && !Headline.Contains(kv.Key));
        return [.. headline, .. others];
    }

    /// <summary>The non-zero counters in the order given.</summary>
    public static IReadOnlyList<KeyValuePair<string, long>> NonZero(IReadOnlyDictionary<string, long> counters)
    {
        ArgumentNullException.ThrowIfNull(counters);
        return [.. counters.Where(kv => kv.Value != 0)];
    }
}
