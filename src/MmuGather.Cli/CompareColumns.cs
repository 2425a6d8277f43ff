using MmuGather.Sim;

namespace MmuGather.Cli;

/// <summary>
/// Which columns the <c>compare</c> table has. Invariant: it starts with <see cref="Leading"/>
/// (who invalidates, how often, at what cost: figures every back-end fills) and ends with
/// <see cref="Trailing"/> (virtual cycles, violations); in between comes every other counter
/// that some row made non-zero and that is not part of the generic workload
/// (<see cref="Background"/>), by name, so a new back-end's counters (a hash-table or TSB
/// invalidation count, SBI calls, ...) show up without a change here.
/// </summary>
public static class CompareColumns
{
    /// <summary>The derived column: pages freed per call of the architecture's tlb_flush.</summary>
    public const string PagesPerFlush = "pages_per_flush";

    /// <summary>The derived column: violations reported by the checkers (the run's violations_total).</summary>
    public const string Violations = "violations_total";

    private const string VirtualCycles = "virtual_cycles";

    /// <summary>The columns every table starts with, in this order.</summary>
    public static IReadOnlyList<CompareColumn> Leading { get; } =
    [
        new("tlb_shootdown_ipis", "shootdowns", "flush IPIs received (the TLB line of /proc/interrupts)"),
        new("broadcast_flushes", "broadcasts", "broadcast invalidations issued, no IPI (INVLPGB, TLBI ...IS, tlbie, IPTE, IDTE)"),
        new("broadcast_invalidations", "bcast ops", "operations those broadcasts took (a page or range each; a whole mm counts one)"),
        new("tlb_flushes", "tlb_flush", "calls of the architecture's tlb_flush by the gather"),
        new("local_page_invalidations", "local inv", "single-page invalidations a CPU did on itself (INVLPG, in IPI handlers too)"),
        new("local_full_flushes", "local full", "full flushes of one mm a CPU did on itself (CR3 reload, TLBI ASIDE1)"),
        new("pages_freed", "pages freed", "user pages given back to the allocator"),
        new(PagesPerFlush, "pages/flush", "pages_freed / tlb_flushes"),
    ];

    /// <summary>The columns every table ends with.</summary>
    public static IReadOnlyList<CompareColumn> Trailing { get; } =
    [
        new(VirtualCycles, "cycles", "the largest CPU clock when the steps were done (cost model: docs/cost-model.md)"),
        new(Violations, "violations", "checker reports (any makes the exit code 1)"),
    ];

    /// <summary>
    /// Counters that describe the workload or the generic gather rather than how an
    /// architecture invalidates; they never get a column of their own (the JSON report keeps
    /// every counter of every row).
    /// </summary>
    public static IReadOnlyList<string> Background { get; } =
    [
        "call_function_ipis",
        "cond_resched",
        "fault_oom",
        "gather_batch_alloc_failures",
        "gather_batch_pages_allocated",
        "gather_forced_flushes",
        "gup_fast_pages",
        "max_preempt_off_cycles",
        "mk_clean_ptes",
        "nested_gather_flushes",
        "page_faults",
        "page_tables_freed",
        "rcu_grace_periods",
        "remote_flush_rounds",
        "remote_full_flushes",
        "remote_partial_flushes",
        "table_batch_alloc_failures",
        "table_batch_flushes",
        "tables_freed_one_by_one",
        "user_segv",
        "writeback_pages",
    ];

    /// <summary>The columns for these runs: leading, then the back-ends' own non-zero counters by name, then trailing.</summary>
    public static IReadOnlyList<CompareColumn> For(IReadOnlyList<RunResult> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var fixedKeys = Leading.Concat(Trailing).Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
        var extra = runs
            .SelectMany(r => r.Counters)
            .Where(kv => kv.Value != 0 && !fixedKeys.Contains(kv.Key) && !Background.Contains(kv.Key))
            .Select(kv => kv.Key)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(key => new CompareColumn(key, key, "counted by some back-ends (docs/architectures.md)"));
        return [.. Leading, .. extra, .. Trailing];
    }
}
