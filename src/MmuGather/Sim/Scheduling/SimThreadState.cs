namespace MmuGather.Sim.Scheduling;

/// <summary>Where a simulated thread is, as the interleaving scheduler sees it.</summary>
public enum SimThreadState
{
    /// <summary>Runnable but on no CPU (not started, preempted, or woken): waits to be placed.</summary>
    Ready,

    /// <summary>On a CPU and runnable.</summary>
    OnCpu,

    /// <summary>On a CPU, busy-waiting for a condition (a spinlock, IPI acknowledgements, the end of the run in user mode).</summary>
    Spinning,

    /// <summary>Off any CPU until a condition holds (a mutex, an rwsem, a grace period, the end of the run).</summary>
    Sleeping,

    /// <summary>Exited.</summary>
    Done,
}
