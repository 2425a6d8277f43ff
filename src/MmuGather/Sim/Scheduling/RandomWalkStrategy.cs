namespace MmuGather.Sim.Scheduling;

/// <summary>
/// Random walk: at every scheduling point any legal choice, uniformly, except that preempting
/// the running thread is taken only one time in <see cref="PreemptOneIn"/> (preemption points
/// are frequent; taking them all the time would starve the run of progress).
/// </summary>
public sealed class RandomWalkStrategy(ulong seed) : ISchedStrategy
{
    public const int PreemptOneIn = 8;

    private SplitMix64 _random = new(seed);

    public string Name => "random";

    public bool SerialTime => true;

    public void Start(int threads, int cpus)
    {
    }

    public int Choose(ReadOnlySpan<SchedChoice> choices, ISchedView view)
    {
        int preempt = -1;
        for (int i = 0; i < choices.Length; i++)
        {
            if (choices[i].Kind == ChoiceKind.Preempt)
            {
                preempt = i;
            }
        }

        if (preempt >= 0 && _random.NextInt(PreemptOneIn) == 0)
        {
            return preempt;
        }

        int others = preempt >= 0 ? choices.Length - 1 : choices.Length;
        int pick = _random.NextInt(others);
        return preempt >= 0 && pick >= preempt ? pick + 1 : pick;
    }
}
