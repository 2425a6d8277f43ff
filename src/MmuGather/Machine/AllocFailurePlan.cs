namespace MmuGather.Machine;

/// <summary>
/// Deterministic fault injection for the page allocator: for each site, fail calls
/// number <c>nth</c> .. <c>nth+count-1</c> (1-based; a null count fails every call from
/// <c>nth</c> on). No randomness here: a seeded plan is built above, in Sim.
/// </summary>
public sealed class AllocFailurePlan
{
    private readonly List<(AllocSite Site, long From, long? Count)> _rules = [];
    private readonly long[] _calls = new long[Enum.GetValues<AllocSite>().Length];

    public static AllocFailurePlan None => new();

    public AllocFailurePlan Fail(AllocSite site, long nth, long? count = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nth, 1);
        _rules.Add((site, nth, count));
        return this;
    }

    /// <summary>Counts one allocation call at <paramref name="site"/> and says whether it must fail.</summary>
    public bool ShouldFail(AllocSite site)
    {
        long call = ++_calls[(int)site];
        if (_rules.Count == 0)
        {
            return false;
        }

        foreach (var (ruleSite, from, count) in _rules)
        {
            if (ruleSite == site && call >= from && (count is null || call < from + count.Value))
            {
                return true;
            }
        }

        return false;
    }

    public long Calls(AllocSite site) => _calls[(int)site];
}
