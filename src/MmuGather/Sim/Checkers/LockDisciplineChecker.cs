using MmuGather.Machine;

namespace MmuGather.Sim.Checkers;

/// <summary>Sleeping in atomic context: code that may sleep ran with a spinlock held or interrupts off.</summary>
public sealed class LockDisciplineChecker(Diagnostics diag) : Checker(diag)
{
    public override string Name => "lock-discipline";

    public override string ExaminedWhat => "points that may sleep";

    public override void MightSleep(int cpu, int preemptCount, bool irqsDisabled, string where)
    {
        Examine();
        if (preemptCount > 0 || irqsDisabled)
        {
            Report($"{where} may sleep, but CPU{cpu} is atomic (preempt count {preemptCount}, irqs {(irqsDisabled ? "off" : "on")})");
        }
    }
}
