using MmuGather.Machine;
using MmuGather.Mm;
using MmuGather.Sim;

namespace MmuGather.Tests.Mm;

/// <summary>
/// Top-down placement as in v6.18: unmapped_area_topdown, and __thp_get_unmapped_area's
/// padded search (length + PMD_SIZE) for PMD-multiple anonymous and large file mappings.
/// </summary>
public class PlacementTests
{
    private const ulong MiB = 1UL << 20;

    private static (Kernel K, MmStruct Mm) Machine()
    {
        var sim = new Simulation(new SimulationOptions { Arch = "x86", Machine = new MachineOptions { Cpus = 2, MemoryBytes = 256UL << 20 } });
        MmStruct mm = sim.Kernel.CreateMm("app");
        sim.Machine.SwitchTo(sim.Machine.Cpus[0]);
        sim.Kernel.ContextSwitch(mm);
        return (sim.Kernel, mm);
    }

    private static ulong Map(Kernel k, MmStruct mm, string name, ulong length, bool file = false, bool shared = false, bool thp = false) =>
        k.Mmap.DoMmap(mm, new MappingRequest(name, length, Shared: shared, FileBacked: file, Thp: thp, Populate: false), out _);

    /// <summary>
    /// From the top: a mapping of <paramref name="top"/> bytes, a hole of <paramref name="hole"/>
    /// bytes (a file mapping that was unmapped again: it could not merge), a 1 MiB file
    /// mapping; with <paramref name="fillBelow"/>, everything below that is mapped too.
    /// </summary>
    private static ulong Hole(Kernel k, MmStruct mm, ulong top, ulong hole, bool fillBelow = false)
    {
        ulong above = Map(k, mm, "top", top);
        ulong gap = Map(k, mm, "gap", hole, file: true);
        Assert.Equal(above - hole, gap); // right below: the test depends on it
        ulong low = Map(k, mm, "low", MiB, file: true);
        Assert.Equal(gap - MiB, low);
        if (fillBelow)
        {
            ulong floor = 1UL << 30; // the model's lowest mmap address (one PUD span)
            Map(k, mm, "filler", low - floor);
            Assert.Equal(floor, mm.Vmas[0].Start);
        }

        k.Mmap.DoMunmap(mm, gap, hole);
        return gap;
    }

    [Fact]
    public void APmdMultipleMappingSkipsAGapItFitsOnlyWithoutThePadding()
    {
        var (k, mm) = Machine();
        ulong hole = Hole(k, mm, 2 * MiB, 4 * MiB);
        Assert.Equal(0UL, hole % (2 * MiB));

        // 4 MiB would fit the 4 MiB hole exactly, aligned; Linux searches for 6 MiB and goes lower:
        // to the highest 2 MiB boundary that leaves room below 'low'.
        ulong x = Map(k, mm, "x", 4 * MiB);

        Assert.Equal(((hole - MiB) & ~((2 * MiB) - 1)) - (4 * MiB), x);
    }

    [Fact]
    public void APmdMultipleMappingTakesAGapThatFitsItPadded()
    {
        var (k, mm) = Machine();
        ulong hole = Hole(k, mm, 2 * MiB, 4 * MiB);

        // 2 MiB + padding = 4 MiB fits: aligned at the top of the hole.
        ulong x = Map(k, mm, "x", 2 * MiB);

        Assert.Equal(hole + (2 * MiB), x);
    }

    [Fact]
    public void AMappingThatIsNotAPmdMultipleGoesToTheTopOfTheHighestGap()
    {
        var (k, mm) = Machine();
        ulong hole = Hole(k, mm, 2 * MiB, 4 * MiB);

        ulong x = Map(k, mm, "x", 3 * MiB);

        Assert.Equal(hole + MiB, x);
    }

    [Fact]
    public void WithNoGapForThePaddedLengthTheMappingIsPlacedUnaligned()
    {
        var (k, mm) = Machine();
        // A 5 MiB hole whose top is 1 MiB off a PMD boundary, and nothing free below.
        ulong hole = Hole(k, mm, MiB, 5 * MiB, fillBelow: true);

        // No gap takes 4 + 2 MiB: thp_get_unmapped_area falls back to the plain search, which
        // puts the mapping at the hole's top, unaligned (an aligned start would have fitted lower).
        ulong x = Map(k, mm, "x", 4 * MiB);

        Assert.Equal(hole + MiB, x);
        Assert.NotEqual(0UL, x % (2 * MiB));
    }

    [Theory]
    [InlineData(3, true)]   // a file of at least 2 MiB: ext4's thp_get_unmapped_area
    [InlineData(1, false)]
    public void LargeFileMappingsArePmdAligned(int mib, bool aligned)
    {
        var (k, mm) = Machine();
        Map(k, mm, "odd", MiB / 2); // the next gap's top is no longer PMD aligned, nor 1 MiB below it

        ulong x = Map(k, mm, "f", (ulong)mib * MiB, file: true);

        Assert.Equal(aligned, x % (2 * MiB) == 0);
    }

    [Fact]
    public void SharedAnonymousMappingsAreNotAligned()
    {
        var (k, mm) = Machine();
        Map(k, mm, "odd", MiB);

        ulong x = Map(k, mm, "s", 2 * MiB, shared: true);

        Assert.Equal(k.Mmap.MmapBase - (3 * MiB), x);
    }
}
