namespace MmuGather.Mm;

/// <summary>
/// struct mmu_gather_batch: an array of encoded pages waiting to be freed after the flush.
/// The gather's first batch is the small one inside the gather itself (the on-stack
/// MMU_GATHER_BUNDLE); the others each occupy a whole page taken with a no-wait allocation.
/// An encoded page is a pfn plus flag bits (delayed rmap, "next slot holds a page count").
/// </summary>
public sealed class GatherBatch
{
    public const ulong DelayRmapBit = 1UL << 32;
    public const ulong NrPagesNextBit = 1UL << 33;

    public GatherBatch(int max, int backingPfn)
    {
        Max = max;
        BackingPfn = backingPfn;
        Encoded = new ulong[max];
    }

    public GatherBatch? Next { get; set; }

    public int Nr { get; set; }

    public int Max { get; }

    /// <summary>The frame this batch lives in; -1 for the batch embedded in the gather.</summary>
    public int BackingPfn { get; }

    public ulong[] Encoded { get; }

    public static ulong Encode(int pfn, bool delayRmap) => (uint)pfn | (delayRmap ? DelayRmapBit : 0);

    public static int PfnOf(ulong encoded) => (int)(uint)encoded;
}
