using MmuGather.Mm;

namespace MmuGather.Sim;

/// <summary>What a step sees: the kernel, its process and thread, and the process's named regions.</summary>
public sealed class StepContext(Kernel kernel, SimProcess process, SimThread thread)
{
    public Kernel Kernel { get; } = kernel;

    public SimProcess Process { get; } = process;

    public SimThread Thread { get; } = thread;

    public MmStruct Mm => Process.Mm;
}
