namespace MmuGather.Sim.Trace;

/// <summary>
/// The two trace-event shapes the recorder emits. Slices are written as complete ("X")
/// events, not begin/end pairs, so a viewer never sees an end without its begin even when a
/// lock is released out of order or the trace is cut at its event cap.
/// </summary>
public enum TracePhase
{
    /// <summary>A slice with a start and an end on one CPU's track ("X").</summary>
    Complete,

    /// <summary>A point in time on one CPU's track ("i", thread scope).</summary>
    Instant,
}
