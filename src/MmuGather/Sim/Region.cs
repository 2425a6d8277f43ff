namespace MmuGather.Sim;

/// <summary>A named mapping made by a scenario step, as mmap returned it.</summary>
public readonly record struct Region(ulong Start, ulong Length, bool Thp);
