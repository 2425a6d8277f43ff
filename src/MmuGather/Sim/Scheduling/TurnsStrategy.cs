using MmuGather.Machine;

namespace MmuGather.Sim.Scheduling;

/// <summary>
/// Threads take turns in file order, one whole step each, as a reader of the scenario would
/// expect: the running thread keeps going until its step ends (or it has to wait), then the
/// next thread in order runs. A thread waiting for a CPU that another thread holds gets it at
/// that thread's step boundary. Interrupts are taken as soon as they may be. No randomness:
/// the default for <c>run</c>, where a scenario is a script.
/// </summary>
public sealed class TurnsStrategy : ISchedStrategy
{
    private int _threads;

    public string Name => "turns";

    public bool SerialTime => true;

    public void Start(int threads, int cpus) => _threads = threads;

    public int Choose(ReadOnlySpan<SchedChoice> choices, ISchedView view)
    {
        int current = view.CurrentThread;
        bool turnOver = view.Point == SchedPoint.StepBoundary;
        int preempt = -1;
        for (int i = 0; i < choices.Length; i++)
        {
            SchedChoice c = choices[i];
            if (c.Kind == ChoiceKind.Deliver)
            {
                return i;
            }

            if (c.Kind == ChoiceKind.Preempt)
            {
                preempt = i;
            }
            else if (c.Kind == ChoiceKind.Run && c.Thread == current && !turnOver)
            {
                return i;
            }
        }

        if (turnOver && preempt >= 0 && view.ThreadWaitingForCpu)
        {
            return preempt; // the next thread needs this CPU
        }

        // The first thread after the current one, in file order, that can be placed or run.
        int best = -1;
        int bestDistance = int.MaxValue;
        for (int i = 0; i < choices.Length; i++)
        {
            SchedChoice c = choices[i];
            if (c.Kind == ChoiceKind.Preempt)
            {
                continue;
            }

            int distance = ((c.Thread - current - 1) % _threads + _threads) % _threads;
            if (distance < bestDistance || (distance == bestDistance && c.Kind == ChoiceKind.Place && choices[best].Kind == ChoiceKind.Run))
            {
                best = i;
                bestDistance = distance;
            }
        }

        return best;
    }
}
