using MmuGather.Machine;
using MmuGather.Mm;
using MmuGather.Sim;

namespace MmuGather.Tests.Mm;

/// <summary>
/// mmap merging as in v6.18 (mm/vma.c vma_merge_new_range): an anonymous private mapping
/// placed right next to a vma with identical flags becomes part of it, as /proc/PID/maps shows.
/// </summary>
public class VmaMergeTests
{
    private const ulong MiB = 1UL << 20;

    private static (Simulation Sim, Kernel K, MmStruct Mm) Machine()
    {
        var sim = new Simulation(new SimulationOptions { Arch = "x86", Machine = new MachineOptions { Cpus = 2, MemoryBytes = 256UL << 20 } });
        Kernel k = sim.Kernel;
        MmStruct mm = k.CreateMm("app");
        sim.Machine.SwitchTo(sim.Machine.Cpus[0]);
        k.ContextSwitch(mm);
        return (sim, k, mm);
    }

    private static ulong Map(Kernel k, MmStruct mm, string name, ulong length, bool thp = false, bool populate = false, bool file = false, bool shared = false) =>
        k.Mmap.DoMmap(mm, new MappingRequest(name, length, Shared: shared, FileBacked: file, Thp: thp, Populate: populate), out _);

    [Fact]
    public void ConsecutiveAnonymousMmapsAreOneVmaNamedAfterTheOlder()
    {
        var (_, k, mm) = Machine();
        ulong a = Map(k, mm, "a", MiB, populate: true);
        ulong b = Map(k, mm, "b", MiB);

        Assert.Equal(a - MiB, b); // top-down: right below
        Vma vma = Assert.Single(mm.Vmas);
        Assert.Equal(b, vma.Start);
        Assert.Equal(a + MiB, vma.End);
        Assert.Equal("a", vma.Name);
    }

    [Fact]
    public void ThpAndNonThpMappingsDifferInFlagsAndStaySeparate()
    {
        var (_, k, mm) = Machine();
        ulong a = Map(k, mm, "plain", 2 * MiB);
        ulong t = Map(k, mm, "huge", 2 * MiB, thp: true);

        Assert.Equal(a - (2 * MiB), t);
        Assert.Equal(2, mm.Vmas.Count);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void FileAndSharedAnonymousMappingsNeverMerge(bool file, bool shared)
    {
        var (_, k, mm) = Machine();
        Map(k, mm, "x", MiB, file: file, shared: shared);
        Map(k, mm, "y", MiB, file: file, shared: shared);
        Map(k, mm, "z", MiB);

        Assert.Equal(3, mm.Vmas.Count);
    }

    [Fact]
    public void AMappingFillingAHoleJoinsBothSidesThatShareAnAnonVma()
    {
        var (sim, k, mm) = Machine();
        ulong x = Map(k, mm, "x", 3 * MiB, populate: true);
        k.Mmap.DoMunmap(mm, x + MiB, MiB);
        Assert.Equal(2, mm.Vmas.Count);
        Assert.Same(mm.Vmas[0].AnonVma, mm.Vmas[1].AnonVma); // the split kept one anon_vma

        ulong c = Map(k, mm, "c", MiB);

        Assert.Equal(x + MiB, c); // not a PMD multiple: placed at the top of the highest gap that fits
        Vma vma = Assert.Single(mm.Vmas);
        Assert.Equal((x, x + (3 * MiB)), (vma.Start, vma.End));
        Assert.Empty(sim.Checkers.SelectMany(ch => ch.Violations));
    }

    /// <summary>
    /// a (faulted: an anon_vma), then a thp mapping below it (other flags), then b below that
    /// (not next to a: an anon_vma of its own if faulted); the thp mapping's going leaves a
    /// 3 MiB hole between b and a.
    /// </summary>
    private static (ulong A, ulong T, ulong B) HoleBetween(Kernel k, MmStruct mm, bool populateB)
    {
        ulong a = Map(k, mm, "a", MiB, populate: true);
        ulong t = Map(k, mm, "t", 2 * MiB, thp: true);
        Assert.Equal(a - (3 * MiB), t); // the padded search: the highest 2 MiB boundary below a
        ulong b = Map(k, mm, "b", 3 * MiB, populate: populateB);
        Assert.Equal(t - (3 * MiB), b);
        Assert.Equal(3, mm.Vmas.Count);
        k.Mmap.DoMunmap(mm, t, 2 * MiB);
        return (a, t, b);
    }

    [Fact]
    public void AMappingBetweenTwoDifferentAnonVmasJoinsOnlyTheOneBelow()
    {
        var (sim, k, mm) = Machine();
        var (a, t, b) = HoleBetween(k, mm, populateB: true);
        Assert.NotSame(mm.FindVma(a)!.AnonVma, mm.FindVma(b)!.AnonVma);

        ulong c = Map(k, mm, "c", 3 * MiB);

        // Either side alone could take it; both cannot, their anon_vmas differ (can_vma_merge_right).
        Assert.Equal(t, c);
        Assert.Equal(2, mm.Vmas.Count);
        Assert.Equal((b, a), (mm.Vmas[0].Start, mm.Vmas[0].End));
        Assert.Equal("b", mm.Vmas[0].Name);
        Assert.Equal((a, a + MiB), (mm.Vmas[1].Start, mm.Vmas[1].End));
        Assert.Empty(sim.Checkers.SelectMany(ch => ch.Violations));
    }

    [Fact]
    public void AMappingBetweenAVmaWithAnAnonVmaAndOneWithoutJoinsBoth()
    {
        var (sim, k, mm) = Machine();
        var (a, _, b) = HoleBetween(k, mm, populateB: false);
        AnonVma? anonA = mm.FindVma(a)!.AnonVma;

        Map(k, mm, "c", 3 * MiB);

        Vma vma = Assert.Single(mm.Vmas);
        Assert.Equal((b, a + MiB), (vma.Start, vma.End));
        Assert.Equal("b", vma.Name); // prev survives (vma_expand), next is removed
        Assert.Same(anonA, vma.AnonVma); // a's pages stay findable through the merged vma
        Assert.Equal(FaultResult.Ok, k.Faults.HandleUserFault(mm, b, write: true));
        Assert.Same(anonA, vma.AnonVma);
        Assert.Empty(sim.Checkers.SelectMany(ch => ch.Violations));
    }

    [Fact]
    public void MunmapAcrossTwoMergedMappingsFreesBothAndTheirTables()
    {
        string yaml = """
            name: merged-munmap
            machine: { arch: x86, cpus: 2, memory: 256MiB }
            processes:
              - name: app
                threads:
                  - cpu: 0
                    steps:
                      - mmap: { name: a, length: 1MiB, populate: true }
                      - mmap: { name: b, length: 1MiB, populate: true }
                      - munmap: { region: b, offset: 512KiB }
                      - madvise: { region: a, advice: dontneed, length: 512KiB }
                      - touch: { region: a, write: true }
                      - munmap: { region: a }
                  - cpu: 1
                    steps:
                      - spin: {}
            """;

        var r = TestScenarios.Run(yaml);

        Assert.Equal([128L, 256L], r.Steps.Where(s => s.Op == "munmap").Select(s => s.PagesFreed));
        Assert.Equal(128, TestScenarios.StepOf(r, "madvise").PagesFreed);
        Assert.Empty(r.Violations);
    }

    [Fact]
    public void OneMunmapOverTwoMergedMappingsRemovesTheVma()
    {
        var (sim, k, mm) = Machine();
        ulong a = Map(k, mm, "a", MiB, populate: true);
        ulong b = Map(k, mm, "b", MiB, populate: true);
        Assert.Single(mm.Vmas);

        k.Mmap.DoMunmap(mm, b + (MiB / 2), MiB); // the upper half of b, the lower half of a

        Assert.Equal(2, mm.Vmas.Count);
        Assert.Equal((b, b + (MiB / 2)), (mm.Vmas[0].Start, mm.Vmas[0].End));
        Assert.Equal((a + (MiB / 2), a + MiB), (mm.Vmas[1].Start, mm.Vmas[1].End));
        Assert.Equal(256, k.Counters[Counter.PagesFreed]);
        Assert.Empty(sim.Checkers.SelectMany(ch => ch.Violations));
    }
}
