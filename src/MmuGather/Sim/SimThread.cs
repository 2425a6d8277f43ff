using MmuGather.Sim.Scheduling;

namespace MmuGather.Sim;

/// <summary>
/// A thread with a list of steps, allowed to run on the CPUs in <see cref="AllowedCpus"/>
/// (one bit: pinned). Besides what the scenario said, it carries the scheduler's view of it:
/// its state, the CPU it is on, and the condition it waits for.
/// </summary>
public sealed class SimThread(SimProcess process, int index, int id, int cpu, ulong allowedCpus, IReadOnlyList<ISimStep> steps)
{
    public SimProcess Process { get; } = process;

    /// <summary>Index within its process.</summary>
    public int Index { get; } = index;

    /// <summary>Index within the run (the scheduler's and the strategies' numbering).</summary>
    public int Id { get; } = id;

    /// <summary>The CPU it starts on.</summary>
    public int Cpu { get; } = cpu;

    public ulong AllowedCpus { get; } = allowedCpus;

    public IReadOnlyList<ISimStep> Steps { get; } = steps;

    public int NextStep { get; internal set; }

    /// <summary>Stays in user mode on its CPU until the end of the run (the spin step).</summary>
    public bool Spinning { get; internal set; }

    /// <summary>Asked to exit (the exit step).</summary>
    public bool Exited { get; internal set; }

    /// <summary>Has steps left to run: not exited, and its process is not exiting as a group.</summary>
    public bool HasWork => !Exited && !Process.GroupExiting && NextStep < Steps.Count;

    public string Name => $"{Process.Name}/{Index}";

    public SimThreadState State { get; internal set; } = SimThreadState.Ready;

    /// <summary>The CPU it is on (-1: none).</summary>
    public int OnCpu { get; internal set; } = -1;

    /// <summary>In user mode (between steps, spinning): a quiescent state for RCU.</summary>
    internal bool InUser { get; set; } = true;

    /// <summary>Has no steps left and waits for the end of the run.</summary>
    internal bool AtEnd { get; set; }

    internal Func<bool>? WaitReady { get; set; }

    internal string? WaitingFor { get; set; }

    internal Carrier? Carrier { get; set; }

    /// <summary>What <see cref="Machine.Diagnostics.Step"/> says while this thread runs.</summary>
    internal string DiagStep { get; set; } = "";
}
