namespace MmuGather.Sim;

/// <summary>One step a simulated thread performs (a system call, user accesses, spinning...).</summary>
public interface ISimStep
{
    /// <summary>Short name for reports ("munmap").</summary>
    string Op { get; }

    /// <summary>Line in the scenario file (0 when built in code).</summary>
    int Line { get; }

    /// <summary>Runs the step on the thread's CPU, with the thread's mm loaded.</summary>
    void Execute(StepContext context);
}
