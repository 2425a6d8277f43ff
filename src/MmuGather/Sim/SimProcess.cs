using MmuGather.Mm;

namespace MmuGather.Sim;

/// <summary>A process: one mm, its threads, and the regions its steps mapped, by name.</summary>
public sealed class SimProcess(string name, MmStruct mm)
{
    public string Name { get; } = name;

    public MmStruct Mm { get; } = mm;

    public List<SimThread> Threads { get; } = [];

    /// <summary>Regions as their mmap returned them: start, length, THP (later splits do not change them).</summary>
    public Dictionary<string, Region> Regions { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Bytes of resident anonymous memory the process has before its first step, mapped and
    /// populated by its first thread when it starts, outside every region and every step's
    /// counters (a language runtime's own pages: the native executor's .NET workers carry
    /// some 10,000, and exit_mmap gathers them with the scenario's).
    /// </summary>
    public ulong Footprint { get; set; }

    /// <summary>
    /// A thread called exit_group (SIGNAL_GROUP_EXIT): no thread of the process starts another
    /// step; each leaves at its next scheduling point and the last one out runs exit_mmap.
    /// </summary>
    public bool GroupExiting { get; internal set; }

    /// <summary>The process forked_from this one, by name (their fork steps find them here).</summary>
    public Dictionary<string, SimProcess> Children { get; } = new(StringComparer.Ordinal);

    /// <summary>Where this process comes from: pending, running (forked, or never forked: from the start), or not started.</summary>
    public ForkState ForkState { get; internal set; } = ForkState.Running;

    /// <summary>The parent's thread with the fork step, and that step's index (a forked process only).</summary>
    public (SimThread Thread, int Step)? Forker { get; private set; }

    /// <summary>Declares this process a child created by step <paramref name="step"/> of <paramref name="forker"/>.</summary>
    public void ForkedBy(SimThread forker, int step)
    {
        Forker = (forker, step);
        ForkState = ForkState.Pending;
        forker.Process.Children[Name] = this;
    }

    /// <summary>The fork can no longer happen: its thread exited or went past the step without forking.</summary>
    internal bool ForkAbandoned => ForkState == ForkState.Pending && Forker is var (t, step) && (t.Exited || t.NextStep > step);

    /// <summary>The exit_group step's start and its place in the run's steps, completed by the last thread out.</summary>
    internal (Simulation.StepStart From, int Slot)? GroupExitStep { get; set; }

}

/// <summary>A process's life before its threads run.</summary>
public enum ForkState
{
    /// <summary>Forked, or a process of the scenario from the start: its threads run.</summary>
    Running,

    /// <summary>Waiting for its parent's fork step.</summary>
    Pending,

    /// <summary>The fork failed (ENOMEM) or never came: its threads exit without running (processes_not_started).</summary>
    NotStarted,
}
