namespace MmuGather.Machine;

/// <summary>
/// The hook every concurrency primitive calls. The sequential scheduler (this issue) runs
/// threads one step at a time in a fixed order and never switches inside a step, so its
/// scheduling points are no-ops; the deterministic interleaving scheduler plugs in here.
/// </summary>
public interface IScheduler
{
    void SchedulingPoint(SchedPoint point);
}
