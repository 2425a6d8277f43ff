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
        ulong x = Map(k, mm, "x", 6 * MiB, populate: true);
        k.Mmap.DoMunmap(mm, x + (2 * MiB), 2 * MiB);
        Assert.Equal(2, mm.Vmas.Count);
        Assert.Same(mm.Vmas[0].AnonVma, mm.Vmas[1].AnonVma); // the split kept one anon_vma

        ulong c = Map(k, mm, "c", 2 * MiB);

        Assert.Equal(x + (2 * MiB), c);
        Vma vma = Assert.Single(mm.Vmas);
        Assert.Equal(x, vma.Start);
        Assert.Equal(x + (6 * MiB), vma.End);
        Assert.Empty(sim.Checkers.SelectMany(ch => ch.Violations));
    }

    [Fact]
    public void AMappingBetweenTwoDifferentAnonVmasJoinsOnlyTheOneBelow()
    {
        var (sim, k, mm) = Machine();
        ulong a = Map(k, mm, "a", 2 * MiB, populate: true);          // anon_vma of its own
        ulong t = Map(k, mm, "t", 2 * MiB, thp: true);               // other flags: a separate vma
        ulong b = Map(k, mm, "b", 2 * MiB, populate: true);          // not next to a: another anon_vma
        Assert.Equal(3, mm.Vmas.Count);
        Assert.NotSame(mm.FindVma(a)!.AnonVma, mm.FindVma(b)!.AnonVma);
        k.Mmap.DoMunmap(mm, t, 2 * MiB);

        ulong c = Map(k, mm, "c", 2 * MiB);

        // Either side alone could take it; both cannot, their anon_vmas differ (can_vma_merge_right).
        Assert.Equal(t, c);
        Assert.Equal(2, mm.Vmas.Count);
        Assert.Equal((b, a), (mm.Vmas[0].Start, mm.Vmas[0].End));
        Assert.Equal("b", mm.Vmas[0].Name);
        Assert.Equal((a, a + (2 * MiB)), (mm.Vmas[1].Start, mm.Vmas[1].End));
        Assert.Empty(sim.Checkers.SelectMany(ch => ch.Violations));
    }

    [Fact]
    public void AFirstFaultBorrowsTheAnonVmaOfAnAdjacentCompatibleVma()
    {
        var (_, k, mm) = Machine();
        ulong a = Map(k, mm, "a", 2 * MiB, populate: true);
        ulong t = Map(k, mm, "t", 2 * MiB, thp: true);
        ulong b = Map(k, mm, "b", 2 * MiB);
        k.Mmap.DoMunmap(mm, t, 2 * MiB);
        ulong c = Map(k, mm, "c", 2 * MiB); // joins b (no anon_vma) and a: one vma
        Assert.Single(mm.Vmas);

        Assert.Equal(FaultResult.Ok, k.Faults.HandleUserFault(mm, b, write: true));

        Assert.Equal(t, c);
        Assert.NotNull(mm.Vmas[0].AnonVma);
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
