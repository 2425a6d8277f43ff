using MmuGather.Mm;
using MmuGather.Sim;

namespace MmuGather.Cli.Native.Fuzz;

/// <summary>
/// Collects a <see cref="StepObservation"/> after every step of one model run (hooked to
/// <see cref="Simulation.StepDone"/>). A touch that took SIGSEGV ends its thread, as the
/// contract says (the model itself goes on with the thread's later steps: they are not observed).
/// </summary>
internal sealed class ModelObserver(Simulation sim)
{
    private readonly List<StepObservation> _observations = [];
    private readonly HashSet<SimThread> _stopped = [];
    private long _segv;

    public IReadOnlyList<StepObservation> Observations => _observations;

    public void After(SimThread thread, StepResult result)
    {
        // Steps run one at a time (turns), so the count's growth since the last step is this step's.
        long segv = sim.Kernel.Counters[Counter.UserSegv];
        bool tookSegv = segv > _segv;
        _segv = segv;
        if (_stopped.Contains(thread))
        {
            return;
        }

        if (tookSegv)
        {
            _stopped.Add(thread);
        }

        string access = result.Op == "touch" ? (tookSegv ? "segv" : "ok") : "-";
        _observations.Add(new StepObservation(
            thread.Index,
            result.Line,
            result.Op,
            result.RemoteFlushRounds,
            access,
            ModelSnapshot.Layout(sim.Kernel, thread.Process.Mm),
            ModelSnapshot.Resident(sim.Kernel, thread.Process)));
    }
}
