namespace MmuGather.Sim;

/// <summary>A thread pinned to one CPU with a list of steps.</summary>
public sealed class SimThread(SimProcess process, int index, int cpu, IReadOnlyList<ISimStep> steps)
{
    public SimProcess Process { get; } = process;

    public int Index { get; } = index;

    public int Cpu { get; } = cpu;

    public IReadOnlyList<ISimStep> Steps { get; } = steps;

    public int NextStep { get; internal set; }

    /// <summary>Stays in user mode on its CPU until the end of the run (the spin step).</summary>
    public bool Spinning { get; internal set; }

    public bool Exited { get; internal set; }

    public bool HasWork => !Exited && NextStep < Steps.Count;

    public string Name => $"{Process.Name}/{Index}";
}
