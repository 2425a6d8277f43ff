namespace MmuGather.Sim.Scheduling;

/// <summary>What the scheduler can do at a scheduling point.</summary>
public enum ChoiceKind
{
    /// <summary>Let the thread on a CPU run until its next scheduling point.</summary>
    Run,

    /// <summary>Let a CPU with interrupts on take its pending IPIs now.</summary>
    Deliver,

    /// <summary>Put a runnable thread that has no CPU on a free CPU it may use (a context switch).</summary>
    Place,

    /// <summary>Preempt the running thread at this preemption point (it may come back on another CPU).</summary>
    Preempt,
}
