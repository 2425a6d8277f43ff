namespace MmuGather.Sim;

/// <summary>What one step cost: flush IPIs received anywhere and frames freed while it ran.</summary>
public sealed record StepResult(string Thread, int Cpu, string Op, int Line, long TlbShootdownIpis, long PagesFreed, long PageTablesFreed);
