namespace MmuGather.Cli.Native.Fuzz;

/// <summary>Where <c>validate --generate</c> gets the host's <see cref="ISequenceRunner"/> (tests pass their own).</summary>
internal static class NativeSequenceRunnerFactory
{
    public static ISequenceRunner Create() => new NativeSequenceRunner(NativeHost.Current);
}
