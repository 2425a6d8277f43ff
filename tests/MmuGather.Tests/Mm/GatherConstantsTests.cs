using MmuGather.Machine;
using MmuGather.Mm;
using MmuGather.Sim;

namespace MmuGather.Tests.Mm;

/// <summary>Batch capacities are derived from the page size exactly as Linux derives them.</summary>
public class GatherConstantsTests
{
    private static Kernel NewKernel(Geometry geometry)
    {
        var sim = new Simulation(new SimulationOptions { Machine = new MachineOptions { Geometry = geometry, MemoryBytes = 64UL << 20 } });
        return sim.Kernel;
    }

    [Fact]
    public void FourKiBPagesGive510And19And509()
    {
        var k = NewKernel(Geometry.X86_64);
        var mm = k.CreateMm("t");
        var tlb = Gather.TlbGatherMmu(k, mm);

        Assert.Equal(510, tlb.MaxGatherBatch);
        Assert.Equal(19, tlb.MaxGatherBatchCount);
        Assert.Equal(509, tlb.MaxTableBatch);
        Assert.Equal(1, mm.TlbFlushPending.Read());
        tlb.TlbFinishMmu();
        Assert.Equal(0, mm.TlbFlushPending.Read());
    }

    [Fact]
    public void SixtyFourKiBPagesScaleTheBatches()
    {
        var k = NewKernel(new Geometry(16, 3, 13));
        var tlb = Gather.TlbGatherMmu(k, k.CreateMm("t"));

        Assert.Equal((65536 - 16) / 8, tlb.MaxGatherBatch);
        Assert.Equal(10000 / ((65536 - 16) / 8), tlb.MaxGatherBatchCount);
        Assert.Equal((65536 - 24) / 8, tlb.MaxTableBatch);
    }

    [Fact]
    public void GatherReportsFullExactlyAt9678Pages()
    {
        var k = NewKernel(Geometry.X86_64);
        var mm = k.CreateMm("t");
        var tlb = Gather.TlbGatherMmu(k, mm);
        int full = -1;
        for (int i = 1; i <= 9678; i++)
        {
            int pfn = k.Machine.Memory.Alloc(AllocSite.UserPage, FrameKind.User);
            tlb.FlushLevelRange(0, (ulong)i << 12, 4096);
            if (tlb.RemovePage(pfn, delayRmap: false))
            {
                full = i;
                break;
            }
        }

        Assert.Equal(9678, full);
        Assert.Equal(19, tlb.BatchCount);
        tlb.TlbFinishMmu();
        Assert.Equal(0, tlb.QueuedPages);
    }

    [Fact]
    public void NestedGatherForcesAFullFlushWithFreedTables()
    {
        var k = NewKernel(Geometry.X86_64);
        var mm = k.CreateMm("t");
        var outer = Gather.TlbGatherMmu(k, mm);
        var inner = Gather.TlbGatherMmu(k, mm);

        inner.TlbFinishMmu(); // saw tlb_flush_pending == 2 and nothing gathered

        Assert.Equal(1, k.Counters[Counter.NestedGatherFlushes]);
        Assert.Equal(1, k.Counters[Counter.TlbFlushes]);
        outer.TlbFinishMmu();
        Assert.Equal(1, k.Counters[Counter.TlbFlushes]); // nothing left for the outer one
    }
}
