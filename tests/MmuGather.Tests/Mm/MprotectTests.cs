using MmuGather.Machine;
using MmuGather.Mm;
using MmuGather.Sim;

namespace MmuGather.Tests.Mm;

/// <summary>
/// mprotect as in v6.18 (mm/mprotect.c): vma split and merge (vma_modify_flags), the PTE
/// changes of change_protection, the write upgrade only where the write fault would do the
/// same, PROT_NONE, and huge PMDs.
/// </summary>
public class MprotectTests
{
    private const ulong Page = 4096;
    private const ulong MiB = 1UL << 20;
    private const VmFlags R = VmFlags.Read;
    private const VmFlags Rw = VmFlags.Read | VmFlags.Write;

    private static (Simulation Sim, Kernel K, MmStruct Mm) Machine(string arch = "x86")
    {
        var sim = new Simulation(new SimulationOptions { Arch = arch, Machine = new MachineOptions { Cpus = 2, MemoryBytes = 256UL << 20 } });
        Kernel k = sim.Kernel;
        MmStruct mm = k.CreateMm("app");
        sim.Machine.SwitchTo(sim.Machine.Cpus[0]);
        k.ContextSwitch(mm);
        return (sim, k, mm);
    }

    private static ulong Map(Kernel k, MmStruct mm, ulong length, bool populate = true, bool thp = false, bool file = false, bool shared = false) =>
        k.Mmap.DoMmap(mm, new MappingRequest("buf", length, Shared: shared, FileBacked: file, Thp: thp, Populate: populate), out _);

    /// <summary>The leaf entry mapping addr (a PTE, or a huge PMD), 0 if none.</summary>
    private static ulong Leaf(Kernel k, MmStruct mm, ulong addr)
    {
        PtDesc table = mm.Pgd;
        for (int level = k.Geometry.Levels - 1; ; level--)
        {
            ulong e = table.Entries[k.Geometry.Index(addr, level)];
            if (!Pte.Present(e) || level == 0 || Pte.TransHuge(e))
            {
                return e;
            }

            table = k.TableOf(e);
        }
    }

    [Fact]
    public void ReadOnlyKeepsThePagesAndTheirDirtyBitsAndMakesStoresFault()
    {
        var (sim, k, mm) = Machine();
        ulong a = Map(k, mm, 16 * Page);

        k.Mprotect.DoMprotect(mm, a, 16 * Page, R);

        ulong pte = Leaf(k, mm, a);
        Assert.True(Pte.Valid(pte) && !Pte.Write(pte) && Pte.Dirty(pte));
        Assert.Equal(R, Assert.Single(mm.Vmas).Flags & (R | VmFlags.Write));
        Assert.Equal(AccessResult.Ok, sim.Machine.Walker.Access(a, write: false));
        Assert.NotEqual(AccessResult.Ok, sim.Machine.Walker.Access(a, write: true));
        Assert.Equal(FaultResult.SegV, k.Faults.HandleUserFault(mm, a, write: true));
    }

    [Fact]
    public void AMiddleRangeSplitsTheVmaInThreeAndTheWholeRegionMergesBack()
    {
        var (_, k, mm) = Machine();
        ulong a = Map(k, mm, 64 * Page);
        k.Mprotect.DoMprotect(mm, a, 64 * Page, R);

        k.Mprotect.DoMprotect(mm, a + (16 * Page), 16 * Page, Rw);
        Assert.Equal([(a, a + (16 * Page)), (a + (16 * Page), a + (32 * Page)), (a + (32 * Page), a + (64 * Page))], mm.Vmas.Select(v => (v.Start, v.End)));
        Assert.Equal([R, Rw, R], mm.Vmas.Select(v => v.Flags & Rw));

        k.Mprotect.DoMprotect(mm, a, 64 * Page, Rw);
        Vma whole = Assert.Single(mm.Vmas);
        Assert.Equal((a, a + (64 * Page), Rw), (whole.Start, whole.End, whole.Flags & Rw));
    }

    [Fact]
    public void AnEdgeRangeMergesIntoTheNeighbourThatAlreadyHasItsFlags()
    {
        var (_, k, mm) = Machine();
        ulong a = Map(k, mm, 8 * Page);
        k.Mprotect.DoMprotect(mm, a, 2 * Page, R);
        Assert.Equal(2, mm.Vmas.Count);

        k.Mprotect.DoMprotect(mm, a + (2 * Page), 2 * Page, R); // grows the read-only vma upwards

        Assert.Equal([(a, a + (4 * Page)), (a + (4 * Page), a + (8 * Page))], mm.Vmas.Select(v => (v.Start, v.End)));
    }

    [Fact]
    public void WritableAgainSetsTheWriteBitOnlyWhereTheWriteFaultWould()
    {
        var (_, k, mm) = Machine();
        ulong a = Map(k, mm, 2 * Page, populate: false);
        Assert.Equal(FaultResult.Ok, k.Faults.HandleUserFault(mm, a, write: true)); // an exclusive anonymous page
        Assert.Equal(FaultResult.Ok, k.Faults.HandleUserFault(mm, a + Page, write: false)); // the shared zero page

        k.Mprotect.DoMprotect(mm, a, 2 * Page, R);
        k.Mprotect.DoMprotect(mm, a, 2 * Page, Rw);

        Assert.True(Pte.Write(Leaf(k, mm, a)));
        Assert.False(Pte.Write(Leaf(k, mm, a + Page))); // the write fault must copy the zero page first
    }

    [Fact]
    public void CleanSharedFilePagesStayReadOnlySoTheFirstStoreStillFaults()
    {
        var (_, k, mm) = Machine();
        ulong a = Map(k, mm, 2 * Page, populate: false, file: true, shared: true);
        Assert.Equal(FaultResult.Ok, k.Faults.HandleUserFault(mm, a, write: true)); // dirty
        Assert.Equal(FaultResult.Ok, k.Faults.HandleUserFault(mm, a + Page, write: false)); // clean

        k.Mprotect.DoMprotect(mm, a, 2 * Page, R);
        Assert.True(Pte.Dirty(Leaf(k, mm, a))); // the dirty bit moved with the entry
        k.Mprotect.DoMprotect(mm, a, 2 * Page, Rw);

        Assert.True(Pte.Write(Leaf(k, mm, a)));
        Assert.False(Pte.Write(Leaf(k, mm, a + Page)));
    }

    [Fact]
    public void ProtNoneKeepsThePageForTheKernelButNotForTheHardware()
    {
        var (sim, k, mm) = Machine();
        ulong a = Map(k, mm, 4 * Page);
        long freedBefore = k.Counters[Counter.PagesFreed];

        k.Mprotect.DoMprotect(mm, a, 4 * Page, VmFlags.None);

        ulong pte = Leaf(k, mm, a);
        Assert.True(Pte.Present(pte) && Pte.IsProtNone(pte) && !Pte.Valid(pte));
        Assert.Equal(AccessResult.NotPresent, sim.Machine.Walker.Access(a, write: false));
        Assert.Equal(FaultResult.SegV, k.Faults.HandleUserFault(mm, a, write: false));
        Assert.Empty(k.GupFast.Pin(mm, a, 1, write: false));

        k.Mprotect.DoMprotect(mm, a, 4 * Page, R);
        Assert.Equal(AccessResult.Ok, sim.Machine.Walker.Access(a, write: false));
        k.Mprotect.DoMprotect(mm, a, 4 * Page, VmFlags.None);
        k.Mmap.DoMunmap(mm, a, 4 * Page);
        Assert.Equal(4, k.Counters[Counter.PagesFreed] - freedBefore); // the zap found PROT_NONE pages present
    }

    [Fact]
    public void AZeroLengthSucceedsAndChangesNothing()
    {
        var (_, k, mm) = Machine();
        ulong a = Map(k, mm, 4 * Page);

        k.Mprotect.DoMprotect(mm, a + (8 * Page), 0, R); // past a region an mremap shrank: Linux returns 0

        Assert.True(Pte.Write(Leaf(k, mm, a)));
        Assert.Single(mm.Vmas);
    }

    [Fact]
    public void PopulateSkipsAVmaARacingMprotectMadeInaccessible()
    {
        var (_, k, mm) = Machine();
        ulong a = Map(k, mm, 4 * Page, populate: false);
        k.Mprotect.DoMprotect(mm, a, 4 * Page, VmFlags.None);

        Assert.Equal(FaultResult.Ok, k.Faults.Populate(Assert.Single(mm.Vmas), a, a + (4 * Page)));

        Assert.Equal(0UL, Leaf(k, mm, a)); // nothing mapped: a valid entry there would let every access through
    }

    [Fact]
    public void AWholeHugePageChangesAtThePmdAndACutSplitsIt()
    {
        var (_, k, mm) = Machine();
        ulong a = Map(k, mm, 2 * MiB, thp: true);
        Assert.True(Pte.TransHuge(Leaf(k, mm, a)));

        k.Mprotect.DoMprotect(mm, a, 2 * MiB, R);

        ulong pmd = Leaf(k, mm, a);
        Assert.True(Pte.TransHuge(pmd) && !Pte.Write(pmd));

        k.Mprotect.DoMprotect(mm, a + Page, Page, Rw);

        Assert.Equal(1, k.Counters[Counter.HugePmdSplits]);
        ulong first = Leaf(k, mm, a);
        Assert.False(Pte.TransHuge(first)); // a PTE of the split table, still read-only
        Assert.True(Pte.Present(first) && !Pte.Write(first));
    }

    [Theory]
    [InlineData("x86")]
    [InlineData("arm64")]
    [InlineData("s390")]
    [InlineData("ppc-hash")]
    public void ADowngradeIsFlushedBeforeMprotectReturns(string arch)
    {
        var (sim, k, mm) = Machine(arch);
        ulong a = Map(k, mm, 4 * Page);
        Assert.Equal(FaultResult.Ok, Touch(sim, k, mm, a, write: true)); // a dirty writable TLB entry

        k.Mprotect.DoMprotect(mm, a, 4 * Page, R);

        Assert.Equal(FaultResult.SegV, Touch(sim, k, mm, a, write: true));
        Assert.Equal(FaultResult.Ok, Touch(sim, k, mm, a, write: false));
    }

    /// <summary>A user access as a touch step makes it: the MMU, then the fault path (hash_page first where there is one), retried.</summary>
    private static FaultResult Touch(Simulation sim, Kernel k, MmStruct mm, ulong va, bool write)
    {
        for (int attempt = 0; attempt < 4; attempt++)
        {
            if (sim.Machine.Walker.Access(va, write) == AccessResult.Ok)
            {
                return FaultResult.Ok;
            }

            FaultResult r = k.Faults.HandleUserFault(mm, va, write);
            if (r != FaultResult.Ok)
            {
                return r;
            }
        }

        return FaultResult.SegV;
    }
}
