using MmuGather.Mm;

namespace MmuGather.Sim;

/// <summary>A named mapping made by a scenario step, as mmap returned it; <c>File</c> backs it (null: anonymous).</summary>
public readonly record struct Region(ulong Start, ulong Length, bool Thp, SimFile? File = null);
