namespace MmuGather.Cli.Native.Fuzz;

/// <summary>The tally of a <c>validate --generate</c> run, per category counted on its own.</summary>
internal sealed class FuzzSummary(FuzzOptions options)
{
    private readonly Dictionary<FuzzCategory, long> _agree = Enum.GetValues<FuzzCategory>().ToDictionary(c => c, _ => 0L);
    private readonly Dictionary<FuzzCategory, long> _mismatch = Enum.GetValues<FuzzCategory>().ToDictionary(c => c, _ => 0L);
    private readonly Dictionary<FuzzCategory, long> _sequences = Enum.GetValues<FuzzCategory>().ToDictionary(c => c, _ => 0L);
    private readonly Dictionary<FuzzCategory, long> _unstable = Enum.GetValues<FuzzCategory>().ToDictionary(c => c, _ => 0L);

    public FuzzOptions Options { get; } = options;

    public int Sequences { get; private set; }

    public long StepsCompared { get; private set; }

    /// <summary>Sequences whose first comparison disagreed in some category.</summary>
    public int Found { get; private set; }

    /// <summary>Sequences that still disagree after the native re-runs (rounds noise excluded).</summary>
    public int Left { get; private set; }

    public List<FuzzSaved> Saved { get; } = [];

    /// <summary>Sequences whose layout, access or residency difference did not show in a second host run (host variation).</summary>
    public int NotReproduced { get; private set; }

    /// <summary>The first of them: seed, index, the differences of the first run.</summary>
    public List<(ulong Seed, int Index, IReadOnlyList<string> Details)> NotReproducedList { get; } = [];

    public void AddNotReproduced(ulong seed, int index, IReadOnlyList<FuzzMismatch> mismatches)
    {
        NotReproduced++;
        if (NotReproducedList.Count < 20)
        {
            NotReproducedList.Add((seed, index, mismatches.Select(m => m.Describe(0)).ToList()));
        }
    }

    /// <summary>Per category, the mismatching sequences shrunk (saved or duplicates).</summary>
    public Dictionary<FuzzCategory, int> Shrunk { get; } = Enum.GetValues<FuzzCategory>().ToDictionary(c => c, _ => 0);

    /// <summary>Shrunk mismatches equal to one saved before (not written again).</summary>
    public int Duplicates { get; set; }

    /// <summary>Why the run stopped early (an internal error), or null.</summary>
    public string? Error { get; set; }

    public TimeSpan Elapsed { get; set; }

    public long Agreements(FuzzCategory c) => _agree[c];

    public long Mismatches(FuzzCategory c) => _mismatch[c];

    /// <summary>Steps that differed in one host run and agreed in the next.</summary>
    public long NotReproducedSteps(FuzzCategory c) => _unstable[c];

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
            int unstable = e.NotReproduced.Count(m => m.Category == c);
            _mismatch[c] += bad;
            _unstable[c] += unstable;
            _agree[c] += e.Verdict.Steps - bad - unstable;
            _sequences[c] += bad > 0 ? 1 : 0;
        }
    }
}
