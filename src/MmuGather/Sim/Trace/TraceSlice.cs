namespace MmuGather.Sim.Trace;

/// <summary>
/// An open slice on a CPU's track: the index of its event (-1 when the event cap dropped it)
/// and the hold it shows, or null for the thread-on-CPU slice at the bottom of the stack.
/// </summary>
internal readonly record struct TraceSlice(int EventIndex, TraceHold? Hold);
