namespace MmuGather.Swarm;

/// <summary>How a generated scenario fared. Everything but <see cref="Clean"/> is a failure: the kernel modelled is correct and the scenario valid.</summary>
public enum SwarmOutcome
{
    /// <summary>Every interleaving of both strategies ran clean.</summary>
    Clean,

    /// <summary>A checker fired (a false alarm, or a bug a switch turned on).</summary>
    Violation,

    /// <summary>A model invariant broke (<c>InvariantException</c>; the CLI's exit 3).</summary>
    InvariantBroken,

    /// <summary>The model refused the run (a runtime <c>ScenarioException</c>; exit 2): a generator or model bug.</summary>
    Refused,

    /// <summary>The parser rejected the generated file (exit 2): a generator bug.</summary>
    ParseError,

    /// <summary>Any other exception escaped the model (exit 3).</summary>
    InternalError,
}
