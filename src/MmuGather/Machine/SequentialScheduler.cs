namespace MmuGather.Machine;

/// <summary>Runs each step to completion: no switch ever happens at a scheduling point.</summary>
public sealed class SequentialScheduler : IScheduler
{
    public static SequentialScheduler Instance { get; } = new();

    public void SchedulingPoint(SchedPoint point)
    {
    }
}
