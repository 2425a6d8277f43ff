using MmuGather.Machine;
using MmuGather.Mm;
using MmuGather.Sim;

namespace MmuGather.Tests.Mm;

/// <summary>Grace periods end only when every CPU has been quiescent since they began.</summary>
public class RcuTests
{
    private static (SimMachine Machine, Rcu Rcu) NewRcu()
    {
        var sim = new Simulation(new SimulationOptions { Machine = new MachineOptions { Cpus = 3, MemoryBytes = 16UL << 20 } });
        return (sim.Machine, sim.Kernel.Rcu);
    }

    [Fact]
    public void CallbackWaitsForEveryCpu()
    {
        var (_, rcu) = NewRcu();
        bool ran = false;
        rcu.CallRcu(() => ran = true);

        rcu.QuiescentState(0);
        rcu.QuiescentState(1);
        Assert.False(ran);

        rcu.QuiescentState(2);
        Assert.True(ran);
        Assert.Equal(1, rcu.Completed);
    }

    [Fact]
    public void AReaderHoldsOffTheGracePeriod()
    {
        var (machine, rcu) = NewRcu();
        machine.SwitchTo(machine.Cpus[1]);
        rcu.ReadLock();
        bool ran = false;
        rcu.CallRcu(() => ran = true);

        rcu.ReportAllQuiescent();
        Assert.False(ran); // CPU1 is inside rcu_read_lock

        rcu.ReadUnlock();
        rcu.ReportAllQuiescent();
        Assert.True(ran);
    }

    [Fact]
    public void InterruptsOffHoldOffTheGracePeriodLikeAReader()
    {
        // The sched flavour: gup_fast's irqs-off section is a read-side critical section.
        var (machine, rcu) = NewRcu();
        machine.SwitchTo(machine.Cpus[2]);
        bool irqs = machine.LocalIrqSave();
        bool ran = false;
        rcu.CallRcu(() => ran = true);

        rcu.ReportAllQuiescent();
        Assert.False(ran);

        machine.LocalIrqRestore(irqs);
        rcu.ReportAllQuiescent();
        Assert.True(ran);
    }

    [Fact]
    public void ACallbackQueuedDuringAGracePeriodWaitsForTheNextOne()
    {
        var (_, rcu) = NewRcu();
        var order = new List<int>();
        rcu.CallRcu(() => order.Add(1));
        rcu.QuiescentState(0);
        rcu.CallRcu(() => order.Add(2)); // CPU0 already reported for the first grace period

        rcu.QuiescentState(1);
        rcu.QuiescentState(2);
        Assert.Equal([1], order);

        rcu.ReportAllQuiescent();
        Assert.Equal([1, 2], order);
    }

    [Fact]
    public void SynchronizeAndBarrierComplete()
    {
        var (_, rcu) = NewRcu();
        bool ran = false;
        rcu.CallRcu(() => ran = true);

        rcu.Synchronize();
        Assert.True(ran);

        rcu.CallRcu(() => { });
        rcu.Barrier();
        Assert.Equal(0, rcu.PendingCallbacks);
    }
}
