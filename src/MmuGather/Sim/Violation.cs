namespace MmuGather.Sim;

/// <summary>A checker fired: which one, what it saw, and what replay needs (seed, step).</summary>
public sealed record Violation(string Checker, string Message, ulong Seed, string Step);
