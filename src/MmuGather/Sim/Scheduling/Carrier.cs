namespace MmuGather.Sim.Scheduling;

/// <summary>
/// The host thread that carries one simulated thread's C# stack, so that kernel code stays
/// ordinary straight-line code that can stop at any scheduling point. Carriers never run at
/// the same time: whoever holds the baton resumes exactly one other and parks itself, so the
/// host's own scheduling cannot influence the run (determinism comes from the baton, not
/// from timing). Parking spins briefly before blocking: a hand-over between two carriers on
/// an otherwise idle core then costs well under a microsecond.
/// </summary>
internal sealed class Carrier
{
    private const int SpinsBeforeBlocking = 2000;

    private readonly Thread _host;
    private readonly SemaphoreSlim _baton = new(0);
    private volatile int _signalled;

    public Carrier(string name, ThreadStart body, int stackBytes)
    {
        _host = new Thread(body, stackBytes) { IsBackground = true, Name = name };
    }

    public void Start() => _host.Start();

    /// <summary>Hands this carrier the baton.</summary>
    public void Resume()
    {
        _signalled = 1;
        _baton.Release();
    }

    /// <summary>Waits for the baton.</summary>
    public void Park()
    {
        for (int i = 0; i < SpinsBeforeBlocking && _signalled == 0; i++)
        {
            Thread.SpinWait(8);
        }

        _baton.Wait();
        _signalled = 0;
    }

    public void Join() => _host.Join();
}
