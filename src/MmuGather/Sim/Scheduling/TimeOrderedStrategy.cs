namespace MmuGather.Sim.Scheduling;

/// <summary>
/// Discrete-event time: the CPU whose virtual clock is furthest behind runs next (ties to the
/// lower thread), interrupts are taken as soon as they may be and runnable threads are put on
/// a CPU at once. The run is the one a machine with those costs would follow, which makes it
/// the strategy for measurements (latency, lock hold times); it uses no randomness.
/// </summary>
public sealed class TimeOrderedStrategy : ISchedStrategy
{
    public string Name => "time";

    public bool SerialTime => false;

    public void Start(int threads, int cpus)
    {
    }

    public int Choose(ReadOnlySpan<SchedChoice> choices, ISchedView view)
    {
        int best = -1;
        for (int i = 0; i < choices.Length; i++)
        {
            SchedChoice c = choices[i];
            if (c.Kind is ChoiceKind.Deliver or ChoiceKind.Place)
            {
                return i;
            }

            if (c.Kind == ChoiceKind.Run && (best < 0 || view.Clock(c.Cpu) < view.Clock(choices[best].Cpu)))
            {
                best = i;
            }
        }

        return best >= 0 ? best : 0;
    }
}
