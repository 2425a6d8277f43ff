namespace MmuGather.Machine;

/// <summary>
/// The run reached a kernel path the model does not implement (splitting a huge PMD, say).
/// Not a broken invariant and not a kernel bug: the scenario asked for more than the model
/// covers, so the run is refused (exit 2), naming the step, instead of guessing an answer.
/// </summary>
public sealed class NotModelledException(string what) : Exception(what);
