namespace MmuGather.Sim.Scheduling;

/// <summary>
/// The project's only source of randomness: SplitMix64, a tiny generator whose whole state is
/// one seeded word, so runs replay exactly. Never seeded from a clock.
/// </summary>
public struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, bound), bound &gt; 0 (Lemire's multiply-shift, bias below 2^-32 for small bounds).</summary>
    public int NextInt(int bound) => (int)((Next() >> 32) * (ulong)bound >> 32);

    /// <summary>The seed of run <paramref name="index"/> in an exploration started from <paramref name="baseSeed"/>.</summary>
    public static ulong Derive(ulong baseSeed, long index)
    {
        var g = new SplitMix64(baseSeed ^ (0xD1B54A32D192ED03UL * (ulong)(index + 1)));
        return g.Next();
    }
}
