using MmuGather.Sim.Scheduling;

namespace MmuGather.Swarm;

/// <summary>
/// The generator's dice: the project's <see cref="SplitMix64"/> (never System.Random, whose
/// sequence is not promised across .NET versions), with the few shapes the generator needs.
/// </summary>
public sealed class SwarmRandom(ulong seed)
{
    private SplitMix64 _g = new(seed);

    /// <summary>Uniform in [0, bound).</summary>
    public int Next(int bound) => _g.NextInt(bound);

    /// <summary>Uniform in [lo, hi] (both included).</summary>
    public int Between(int lo, int hi) => lo + _g.NextInt(hi - lo + 1);

    /// <summary>True with probability 1 in <paramref name="n"/>.</summary>
    public bool OneIn(int n) => _g.NextInt(n) == 0;

    public T Pick<T>(IReadOnlyList<T> items) => items[_g.NextInt(items.Count)];
}
