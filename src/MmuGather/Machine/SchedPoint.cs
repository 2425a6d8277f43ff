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

    /// <summary>A lockless page-table read (gup_fast): another CPU may change the tables in between.</summary>
    LocklessRead,

    /// <summary>A user load or store: user mode, a quiescent state, preemptible.</summary>
    UserAccess,

    /// <summary>Between two steps of a thread: back in user mode.</summary>
    StepBoundary,
}
