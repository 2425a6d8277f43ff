namespace MmuGather.Machine;

/// <summary>The kinds of places where a scheduler may switch to another simulated CPU.</summary>
public enum SchedPoint
{
    Spinlock,
    SpinUnlock,
    Sleep,
    Wake,
    Atomic,
    IrqEnable,
    PreemptEnable,
    IpiSend,
    RcuReadLock,
    RcuReadUnlock,
    CondResched,
}
