namespace MmuGather.Sim.Scheduling;

/// <summary>Thrown inside a simulated thread to unwind it when another thread's failure ends the run.</summary>
internal sealed class SimulationAbortedException : Exception
{
    public SimulationAbortedException()
        : base("the run was aborted by a failure in another simulated thread")
    {
    }
}
