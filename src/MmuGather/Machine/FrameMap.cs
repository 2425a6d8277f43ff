namespace MmuGather.Machine;

/// <summary>
/// A per-frame side table that costs memory only where it is used: chunks of
/// <see cref="ChunkFrames"/> entries allocated on first write. A 4 GiB machine has a
/// million frames, of which a run may touch a few thousand page tables; a flat array of
/// references would be allocated and zeroed on every run for nothing.
/// </summary>
public sealed class FrameMap<T>
{
    public const int ChunkShift = 12;
    public const int ChunkFrames = 1 << ChunkShift;

    private readonly T[]?[] _chunks;

    public FrameMap(int frames) => _chunks = new T[]?[(frames + ChunkFrames - 1) >> ChunkShift];

    /// <summary>The entry for pfn, or default if its chunk was never written.</summary>
    public T Get(int pfn)
    {
        T[]? chunk = _chunks[pfn >> ChunkShift];
        return chunk is null ? default! : chunk[pfn & (ChunkFrames - 1)];
    }

    /// <summary>A writable reference to the entry for pfn (allocates its chunk if needed).</summary>
    public ref T At(int pfn)
    {
        // Read the chunk by value: a ref into an array of arrays costs a covariance check.
        T[]? chunk = _chunks[pfn >> ChunkShift];
        if (chunk is null)
        {
            chunk = new T[ChunkFrames];
            _chunks[pfn >> ChunkShift] = chunk;
        }

        return ref chunk[pfn & (ChunkFrames - 1)];
    }
}
