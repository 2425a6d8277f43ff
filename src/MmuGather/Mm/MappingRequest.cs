namespace MmuGather.Mm;

/// <summary>What do_mmap is asked for: length, sharing and backing, THP, populate.</summary>
public sealed record MappingRequest(string Name, ulong Length, bool Shared, bool FileBacked, bool Thp, bool Populate);
