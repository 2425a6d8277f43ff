namespace MmuGather.Sim.Scheduling;

/// <summary>
/// Idle carriers kept between runs. One pool serves one host thread's sequence of runs (an
/// exploration job); it is not shared between concurrently running simulations.
/// </summary>
public sealed class CarrierPool : IDisposable
{
    /// <summary>Stack of each carrier: deep enough for the kernel's call chains with room to spare.</summary>
    private const int StackBytes = 1 << 20;

    private readonly Stack<Carrier> _idle = new();

    internal Carrier Rent() => _idle.Count > 0 ? _idle.Pop() : new Carrier(StackBytes);

    internal void Return(Carrier carrier) => _idle.Push(carrier);

    /// <summary>Ends every idle carrier's host thread.</summary>
    public void Dispose()
    {
        while (_idle.Count > 0)
        {
            _idle.Pop().Retire();
        }
    }
}
