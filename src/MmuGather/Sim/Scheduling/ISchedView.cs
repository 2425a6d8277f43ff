namespace MmuGather.Sim.Scheduling;

/// <summary>What a strategy may look at when it chooses.</summary>
public interface ISchedView
{
    /// <summary>The thread that reached the scheduling point (-1 when none: a start or an exit).</summary>
    int CurrentThread { get; }

    /// <summary>The virtual clock of a CPU, in cycles.</summary>
    long Clock(int cpu);

    /// <summary>Scheduling points so far in this run.</summary>
    long Points { get; }

    /// <summary>The kind of point being decided.</summary>
    Machine.SchedPoint Point { get; }

    /// <summary>Is a runnable thread other than the current one waiting for a CPU it may use?</summary>
    bool ThreadWaitingForCpu { get; }
}
