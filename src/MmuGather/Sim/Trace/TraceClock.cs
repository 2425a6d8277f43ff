namespace MmuGather.Sim.Trace;

/// <summary>
/// Converts virtual cycles to the microseconds trace events use, in <see cref="decimal"/> so
/// the printed value is exact and the same on every host (no binary-float digits).
/// </summary>
public sealed class TraceClock(double cyclesPerNs)
{
    /// <summary>Picosecond resolution: finer than one cycle of any plausible clock.</summary>
    private const int Decimals = 6;

    private readonly decimal _cyclesPerUs = (decimal)cyclesPerNs * 1000m;

    /// <summary>Dividing by one with 28 decimals drops a decimal's trailing zeros ("0.500000" prints as "0.5").</summary>
    private const decimal One = 1.0000000000000000000000000000m;

    /// <summary><paramref name="cycles"/> as microseconds, rounded to the picosecond.</summary>
    public decimal Microseconds(long cycles) => Math.Round(cycles / _cyclesPerUs, Decimals, MidpointRounding.AwayFromZero);

    /// <summary>The printed form of <paramref name="us"/>: the same value without trailing zeros.</summary>
    public static decimal Normalize(decimal us) => us / One;
}
