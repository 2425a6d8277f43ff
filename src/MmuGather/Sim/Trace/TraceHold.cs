namespace MmuGather.Sim.Trace;

/// <summary>
/// Something a thread holds across events: a lock or a running operation. It belongs to the
/// thread (not to a CPU) because a sleeping lock or a munmap stays held while its thread is
/// off the CPU; the recorder shows it as one segment per stretch the thread spends on a CPU.
/// </summary>
internal sealed class TraceHold(string owner, string name, string category, IReadOnlyList<TraceArg> args, long operationId)
{
    /// <summary>The thread holding it, or a CPU's idle key for work done with no thread on the CPU.</summary>
    public string Owner { get; } = owner;

    public string Name { get; } = name;

    public string Category { get; } = category;

    public IReadOnlyList<TraceArg> Args { get; } = args;

    /// <summary>The operation's id, or -1 for a lock.</summary>
    public long OperationId { get; } = operationId;

    /// <summary>The CPU whose track shows the current segment, or -1 while the owner is off every CPU.</summary>
    public int Cpu { get; set; } = -1;
}
