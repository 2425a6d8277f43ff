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

    /// <summary>The exit_group step's start and its place in the run's steps, completed by the last thread out.</summary>
    internal (Simulation.StepStart From, int Slot)? GroupExitStep { get; set; }

}
