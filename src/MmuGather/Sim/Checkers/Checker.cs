using MmuGather.Machine;

namespace MmuGather.Sim.Checkers;

/// <summary>
/// An oracle: watches the model's events and reports violations of the rule it owns. A
/// checker never changes the model and the model never consults it. It may read machine
/// state (frame kinds, generations, TLB contents) to judge an event, nothing more.
/// Reports are capped per checker so a systematic bug does not drown the output; the
/// total is still counted.
/// </summary>
public abstract class Checker(Diagnostics diag) : Observer
{
    public const int MaxReportsPerChecker = 20;

    private readonly List<Violation> _violations = [];

    /// <summary>The name shown in reports (stale-tlb, flush-before-free, ...).</summary>
    public abstract string Name { get; }

    public IReadOnlyList<Violation> Violations => _violations;

    /// <summary>Every violation seen, including those past the reporting cap.</summary>
    public long Fired { get; private set; }

    /// <summary>
    /// How many events this checker judged (see <see cref="ExaminedWhat"/>): a clean run
    /// means something only if the checker looked, and this says how much it looked at.
    /// </summary>
    public long Examined { get; private set; }

    /// <summary>What <see cref="Examined"/> counts, in the plural ("user accesses", ...).</summary>
    public abstract string ExaminedWhat { get; }

    /// <summary>Called once per event the rule is applied to, whatever the verdict.</summary>
    protected void Examine() => Examined++;

    protected void Report(string message)
    {
        Fired++;
        if (_violations.Count < MaxReportsPerChecker)
        {
            _violations.Add(new Violation(Name, message, diag.Seed, diag.Step));
        }
    }
}
