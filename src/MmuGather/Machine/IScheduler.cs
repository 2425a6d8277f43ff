namespace MmuGather.Machine;

/// <summary>
/// The hook every concurrency primitive calls. Exactly one simulated CPU executes at a time;
/// at a scheduling point the scheduler may let another CPU run (or deliver an interrupt, or
/// preempt the caller) before the caller continues.
///
/// <para>Two kinds of waiting exist, as in the kernel: spinning keeps the CPU (a spinlock, an
/// IPI sender waiting for its acknowledgements) and sleeping gives it up (a mutex, an rwsem,
/// synchronize_rcu). Both take a condition the scheduler re-evaluates; a waiter is never run
/// while its condition is false, so no step of the run is spent on a futile spin.</para>
/// </summary>
public interface IScheduler
{
    /// <summary>False for the sequential scheduler: no other CPU ever runs inside a call.</summary>
    bool Interleaves { get; }

    void SchedulingPoint(SchedPoint point);

    /// <summary>Busy-waits on the current CPU (preemption state unchanged) until <paramref name="ready"/> holds.</summary>
    void SpinUntil(Func<bool> ready, string what);

    /// <summary>Leaves the CPU until <paramref name="ready"/> holds; the caller must be allowed to sleep.</summary>
    void SleepUntil(Func<bool> ready, string what);
}
