namespace MmuGather.Sim.Scheduling;

/// <summary>
/// Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS
/// 2010): threads get distinct random priorities and the highest-priority runnable thread
/// runs; at <c>depth - 1</c> change points, drawn uniformly from the first
/// <see cref="_steps"/> decisions (scheduling points where more than one thing could happen
/// next; points with a single option cannot change the run), the running thread drops
/// below every other. A bug
/// of depth d is found with probability at least 1 / (n k^(d-1)) per run. Interrupts and
/// placements are taken as soon as they are possible; nothing is preempted.
/// </summary>
public sealed class PctStrategy : ISchedStrategy
{
    private readonly int _depth;
    private readonly long _steps;
    private SplitMix64 _random;
    private long[] _priority = [];
    private long[] _changePoints = [];
    private int _nextChange;
    private long _decisions;

    /// <param name="seed">The run's seed.</param>
    /// <param name="depth">The bug depth aimed at (d, at least 1).</param>
    /// <param name="steps">An estimate of the decisions in one run (k).</param>
    public PctStrategy(ulong seed, int depth, long steps)
    {
        if (depth < 1 || steps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(depth), $"PCT needs depth >= 1 and steps >= 1 (got {depth}, {steps})");
        }

        _random = new SplitMix64(seed);
        _depth = depth;
        _steps = steps;
    }

    public string Name => "pct";

    public bool SerialTime => true;

    public void Start(int threads, int cpus)
    {
        // Initial priorities depth .. depth + n - 1 in random order (Fisher-Yates).
        _priority = new long[threads];
        for (int i = 0; i < threads; i++)
        {
            _priority[i] = _depth + i;
        }

        for (int i = threads - 1; i > 0; i--)
        {
            int j = _random.NextInt(i + 1);
            (_priority[i], _priority[j]) = (_priority[j], _priority[i]);
        }

        _changePoints = new long[_depth - 1];
        for (int i = 0; i < _changePoints.Length; i++)
        {
            _changePoints[i] = 1 + (long)(_random.Next() % (ulong)_steps);
        }

        Array.Sort(_changePoints);
        _nextChange = 0;
        _decisions = 0;
    }

    public int Choose(ReadOnlySpan<SchedChoice> choices, ISchedView view)
    {
        _decisions++;
        while (_nextChange < _changePoints.Length && _decisions >= _changePoints[_nextChange])
        {
            if (view.CurrentThread >= 0)
            {
                // Change point i lowers the running thread to priority i: below every initial one.
                _priority[view.CurrentThread] = _nextChange + 1;
            }

            _nextChange++;
        }

        int best = -1;
        for (int i = 0; i < choices.Length; i++)
        {
            SchedChoice c = choices[i];
            if (c.Kind is ChoiceKind.Deliver or ChoiceKind.Place)
            {
                return i;
            }

            if (c.Kind == ChoiceKind.Run && (best < 0 || _priority[c.Thread] > _priority[choices[best].Thread]))
            {
                best = i;
            }
        }

        return best >= 0 ? best : 0;
    }
}
