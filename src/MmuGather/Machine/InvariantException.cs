namespace MmuGather.Machine;

/// <summary>An internal invariant of the model broke. Carries what replay needs.</summary>
public sealed class InvariantException(ulong seed, string step, string relationship)
    : Exception($"model invariant broken (seed {seed}, {step}): {relationship}")
{
    public ulong Seed { get; } = seed;

    public string Step { get; } = step;

    public string Relationship { get; } = relationship;
}
