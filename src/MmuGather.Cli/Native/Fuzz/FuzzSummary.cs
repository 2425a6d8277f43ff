namespace MmuGather.Cli.Native.Fuzz;

/// <summary>The tally of a <c>validate --generate</c> run, per category counted on its own.</summary>
internal sealed class FuzzSummary(FuzzOptions options)
{
    private readonly Dictionary<FuzzCategory, long> _agree = Enum.GetValues<FuzzCategory>().ToDictionary(c => c, _ => 0L);
    private readonly Dictionary<FuzzCategory, long> _mismatch = Enum.GetValues<FuzzCategory>().ToDictionary(c => c, _ => 0L);
    private readonly Dictionary<FuzzCategory, long> _sequences = Enum.GetValues<FuzzCategory>().ToDictionary(c => c, _ => 0L);

    public FuzzOptions Options { get; } = options;

    public int Sequences { get; private set; }

    public long StepsCompared { get; private set; }

    /// <summary>Sequences whose first comparison disagreed in some category.</summary>
    public int Found { get; private set; }

    /// <summary>Sequences that still disagree after the native re-runs (rounds noise excluded).</summary>
    public int Left { get; private set; }

    public List<FuzzSaved> Saved { get; } = [];

    /// <summary>Per category, the mismatching sequences shrunk (saved or duplicates).</summary>
    public Dictionary<FuzzCategory, int> Shrunk { get; } = Enum.GetValues<FuzzCategory>().ToDictionary(c => c, _ => 0);

    /// <summary>Shrunk mismatches equal to one saved before (not written again).</summary>
    public int Duplicates { get; set; }

    /// <summary>Why the run stopped early (an internal error), or null.</summary>
    public string? Error { get; set; }

    public TimeSpan Elapsed { get; set; }

    public long Agreements(FuzzCategory c) => _agree[c];

    public long Mismatches(FuzzCategory c) => _mismatch[c];

    /// <summary>Sequences with at least one mismatching step in <paramref name="c"/>.</summary>
    public long MismatchingSequences(FuzzCategory c) => _sequences[c];

    public int SavedIn(FuzzCategory c) => Saved.Count(s => s.Category == c);

    public void Add(FuzzEvaluation e)
    {
        ArgumentNullException.ThrowIfNull(e);
        Sequences++;
        StepsCompared += e.Verdict.Steps;
        Found += e.Found ? 1 : 0;
        Left += e.Verdict.Agrees ? 0 : 1;
        foreach (FuzzCategory c in Enum.GetValues<FuzzCategory>())
        {
            int bad = e.Verdict.MismatchesIn(c);
            _mismatch[c] += bad;
            _agree[c] += e.Verdict.Steps - bad;
            _sequences[c] += bad > 0 ? 1 : 0;
        }
    }
}
