namespace MmuGather.Sim.Scheduling;

/// <summary>
/// A hand-over between host threads: each <see cref="Take"/> consumes one <see cref="Give"/>,
/// in either order. Waking a host thread blocked in the kernel costs tens to hundreds of
/// microseconds on a virtual machine, far more than a simulated step, so the taker first waits
/// actively, yielding its core now and then so that the thread holding the run is not starved
/// on a small machine, and only then blocks.
/// </summary>
internal sealed class Baton
{
    /// <summary>Spin rounds (each a short pause or a yield of the core) before blocking.</summary>
    private const int SpinsBeforeBlocking = 20_000;

    private readonly SemaphoreSlim _semaphore = new(0);
    private int _given;

    public void Give()
    {
        Interlocked.Increment(ref _given);
        _semaphore.Release();
    }

    public void Take()
    {
        for (int i = 0; i < SpinsBeforeBlocking && Volatile.Read(ref _given) == 0; i++)
        {
            if ((i & 7) == 7)
            {
                Thread.Yield();
            }
            else
            {
                Thread.SpinWait(16);
            }
        }

        _semaphore.Wait();
        Interlocked.Decrement(ref _given);
    }
}
