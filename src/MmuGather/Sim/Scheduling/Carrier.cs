namespace MmuGather.Sim.Scheduling;

/// <summary>
/// A host thread that carries one simulated thread's C# stack, so that kernel code stays
/// ordinary straight-line code that can stop at any scheduling point. Carriers never run at
/// the same time: whoever holds the baton resumes exactly one other and parks itself, so the
/// host's own scheduling cannot influence the run (determinism comes from the baton, not
/// from timing). A carrier is reused for run after run (<see cref="CarrierPool"/>): host
/// thread creation would otherwise dominate a short run.
/// </summary>
internal sealed class Carrier
{
    private readonly Thread _host;
    private readonly Baton _baton = new();
    private Action? _work;
    private bool _retired;

    public Carrier(int stackBytes)
    {
        _host = new Thread(Loop, stackBytes) { IsBackground = true, Name = "mmugather carrier" };
        _host.Start();
    }

    /// <summary>Starts <paramref name="work"/> on this carrier (which must be idle).</summary>
    public void Begin(Action work)
    {
        _work = work;
        _baton.Give();
    }

    /// <summary>Hands this carrier the baton (it is parked inside its work).</summary>
    public void Resume() => _baton.Give();

    /// <summary>Waits for the baton (called on this carrier's own host thread).</summary>
    public void Park() => _baton.Take();

    /// <summary>Ends the host thread once it is idle.</summary>
    public void Retire()
    {
        _retired = true;
        _baton.Give();
    }

    private void Loop()
    {
        while (true)
        {
            _baton.Take();
            if (_retired)
            {
                return;
            }

            Action? work = _work;
            _work = null;
            work?.Invoke();
        }
    }
}
