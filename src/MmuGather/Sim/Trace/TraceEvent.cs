namespace MmuGather.Sim.Trace;

/// <summary>
/// One recorded event, in virtual cycles of its CPU's clock. The writer converts cycles to
/// microseconds only when it prints, so the recorder's clamping and nesting work on exact
/// integers.
/// </summary>
/// <param name="Phase">Slice or instant.</param>
/// <param name="Cpu">The CPU whose track shows it.</param>
/// <param name="Start">Start, in cycles of that CPU's clock.</param>
/// <param name="End">End in cycles (equal to <paramref name="Start"/> for an instant or an open slice).</param>
/// <param name="Name">What the viewer labels it with.</param>
/// <param name="Category">The trace-event <c>cat</c> (thread, spinlock, sleeping-lock, operation, ipi, tlb, free).</param>
/// <param name="Args">Extra detail shown when the event is selected.</param>
public readonly record struct TraceEvent(
    TracePhase Phase,
    int Cpu,
    long Start,
    long End,
    string Name,
    string Category,
    IReadOnlyList<TraceArg> Args);
