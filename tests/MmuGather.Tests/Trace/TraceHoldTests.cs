using MmuGather.Sim;
using MmuGather.Sim.Trace;

namespace MmuGather.Tests.Trace;

/// <summary>
/// How the recorder keeps slices nested when the model does not: a lock released out of
/// order, and a sleeping lock held while its thread leaves the CPU and comes back elsewhere.
/// Events are fed by hand to a machine that does not run.
/// </summary>
public sealed class TraceHoldTests
{
    [Fact]
    public void OutOfOrderReleaseSplitsTheInnerSlice()
    {
        (Simulation sim, TraceRecorder recorder) = Idle();
        long t0 = sim.Machine.Cpus[0].Clock;
        recorder.ThreadOnCpu(0, "t");
        Tick(sim);
        recorder.LockAcquired(0, "A", sleeping: false);
        Tick(sim);
        recorder.LockAcquired(0, "B", sleeping: false);
        Tick(sim);
        recorder.LockReleased(0, "A", sleeping: false);
        Tick(sim);
        recorder.LockReleased(0, "B", sleeping: false);
        recorder.Finish();

        Assert.Equal(
            [("t", 0L, 40L), ("A", 10L, 30L), ("B", 20L, 30L), ("B", 30L, 40L)],
            recorder.Events.Select(e => (e.Name, e.Start - t0, e.End - t0)));
        Assert.Contains(new TraceArg("continued", true), recorder.Events[3].Args);
    }

    [Fact]
    public void AHeldMutexFollowsItsThreadToAnotherCpu()
    {
        (Simulation sim, TraceRecorder recorder) = Idle();
        long t0 = sim.Machine.Cpus[0].Clock;
        recorder.ThreadOnCpu(0, "t");
        recorder.LockAcquired(0, "M", sleeping: true);
        Tick(sim);
        recorder.ThreadOnCpu(0, "u");
        Tick(sim);
        recorder.ThreadOnCpu(1, "t");
        recorder.LockReleased(1, "M", sleeping: true);
        recorder.Finish();

        Assert.Equal(
            [("t", 0, "thread"), ("M", 0, "sleeping-lock"), ("u", 0, "thread"), ("t", 1, "thread"), ("M", 1, "sleeping-lock")],
            recorder.Events.Select(e => (e.Name, e.Cpu, e.Category)));
        Assert.Equal(t0 + 10, recorder.Events[1].End);
        Assert.Equal(recorder.Events[4].Start, recorder.Events[4].End);
    }

    [Fact]
    public void AThreadShownOnANewCpuLeavesItsOldOne()
    {
        (Simulation sim, TraceRecorder recorder) = Idle();
        long t0 = sim.Machine.Cpus[0].Clock;
        long t1 = sim.Machine.Cpus[1].Clock;
        recorder.ThreadOnCpu(0, "t");
        Tick(sim);
        recorder.ThreadOnCpu(1, "t");
        recorder.Finish();

        Assert.Equal([(0, t0, t0 + 10), (1, t1, t1)], recorder.Events.Select(e => (e.Cpu, e.Start, e.End)));
    }

    private static (Simulation Sim, TraceRecorder Recorder) Idle()
    {
        Simulation sim = MmuGather.Scenarios.ScenarioRunner.Build(TestScenarios.Parse(TestScenarios.Munmap(1, spinner: true)));
        return (sim, TraceRecorder.Attach(sim));
    }

    /// <summary>Ten cycles pass on CPU 0.</summary>
    private static void Tick(Simulation sim) => sim.Machine.Charge(10);
}
