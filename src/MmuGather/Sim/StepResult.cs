namespace MmuGather.Sim;

/// <summary>
/// What one step cost: flush IPIs received anywhere and frames freed while it ran; beside
/// them, the flush rounds sent with another CPU in mm_cpumask (x86; Linux's tlb:tlb_flush
/// "remote IPI send", what <c>mmugather native</c> counts) and the page faults taken.
/// </summary>
public sealed record StepResult(string Thread, int Cpu, string Op, int Line, long TlbShootdownIpis, long PagesFreed, long PageTablesFreed, long RemoteFlushRounds, long PageFaults);
