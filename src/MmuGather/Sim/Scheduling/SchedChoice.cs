namespace MmuGather.Sim.Scheduling;

/// <summary>One option offered to a strategy: <see cref="Thread"/> is an index into the run's threads (-1 for none).</summary>
public readonly record struct SchedChoice(ChoiceKind Kind, int Thread, int Cpu);
