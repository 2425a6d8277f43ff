namespace MmuGather.Sim.Trace;

/// <summary>
/// One entry of a trace event's <c>args</c> object. <paramref name="Value"/> is a
/// <see cref="long"/>, <see cref="bool"/> or <see cref="string"/>; addresses are strings in
/// hex because JSON numbers above 2^53 lose precision in viewers.
/// </summary>
/// <param name="Key">The argument's name as the viewer shows it.</param>
/// <param name="Value">Its value.</param>
public readonly record struct TraceArg(string Key, object Value);
