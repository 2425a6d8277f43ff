namespace MmuGather.Explore;

/// <summary>How one explored interleaving that did not run clean ended.</summary>
public enum ExploreOutcome
{
    /// <summary>It ran to the end and at least one checker fired: a kernel bug (or a checker's).</summary>
    Violations,

    /// <summary>A model invariant broke (<c>InvariantException</c>): the model contradicted itself.</summary>
    Failed,

    /// <summary>
    /// A step reached what the model does not cover (<c>ScenarioException</c> at run time, e.g.
    /// a range that cuts a huge PMD): neither a kernel bug nor a model bug, the run is refused.
    /// </summary>
    Refused,

    /// <summary>Any other exception: a bug in the simulator itself.</summary>
    InternalError,
}
