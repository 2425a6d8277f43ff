namespace MmuGather.Cli.Native;

/// <summary>What a sequence worker's <c>observe</c> answers (JSON on one line).</summary>
internal sealed record ObservationLine(List<VmaLine> Layout, SortedDictionary<string, string> Resident);

/// <summary>One vma of the arena: offsets from its top, the maps permissions, file or anonymous.</summary>
internal sealed record VmaLine(long Start, long End, string Perms, bool File);
