using MmuGather.Scenarios;

namespace MmuGather.Cli.Native.Fuzz;

/// <summary>
/// Runs one generated sequence and observes it after every step. The model and the host
/// each have one; the differential fuzzer compares what they return.
/// </summary>
/// <remarks>
/// Contract for the sequences the fuzzer generates: x86, 2 CPUs, one process; thread 0 on
/// CPU 0 runs the operations, an optional thread 1 on CPU 1 only spins. Steps run in the
/// <c>turns</c> order. A touch that takes SIGSEGV ends its thread (the model's rule): its
/// later steps are not run and not observed.
/// </remarks>
internal interface ISequenceRunner : IDisposable
{
    /// <summary>Runs <paramref name="scenario"/> once and returns one observation per step run.</summary>
    IReadOnlyList<StepObservation> Run(Scenario scenario);
}
