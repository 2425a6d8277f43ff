using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Cli.Native.Fuzz;

/// <summary>
/// The model's side of the differential fuzzer: runs a sequence with the <c>turns</c>
/// strategy (the order the native executor hands steps out in) and observes every step.
/// </summary>
internal sealed class ModelSequenceRunner : ISequenceRunner
{
    public IReadOnlyList<StepObservation> Run(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        Simulation sim = ScenarioRunner.Build(scenario, null, RunSettings.Default with { Strategy = Strategies.Turns });
        var observer = new ModelObserver(sim);
        sim.StepDone = observer.After;
        sim.Run();
        return observer.Observations;
    }

    public void Dispose()
    {
        // Nothing held between runs: each run builds its own simulation.
    }
}
