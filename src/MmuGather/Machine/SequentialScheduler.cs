namespace MmuGather.Machine;

/// <summary>
/// Runs each call to completion: no switch ever happens at a scheduling point. Used when the
/// kernel is driven directly (unit tests, the bench's breakdown). A wait whose condition is
/// false can never end here, because nothing else runs: that is reported as a broken invariant.
/// </summary>
public sealed class SequentialScheduler : IScheduler
{
    public static SequentialScheduler Instance { get; } = new();

    public bool Interleaves => false;

    public void SchedulingPoint(SchedPoint point)
    {
    }

    public void SpinUntil(Func<bool> ready, string what) => Require(ready, what);

    public void SleepUntil(Func<bool> ready, string what) => Require(ready, what);

    private static void Require(Func<bool> ready, string what)
    {
        if (!ready())
        {
            throw new InvariantException(0, "sequential", $"waits for {what} with no other CPU to run: it would wait forever");
        }
    }
}
