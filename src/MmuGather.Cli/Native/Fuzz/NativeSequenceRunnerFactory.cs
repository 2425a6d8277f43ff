namespace MmuGather.Cli.Native.Fuzz;

/// <summary>
/// Where <c>validate --generate</c> gets the host's <see cref="ISequenceRunner"/>. The native
/// runner is written in parallel; until it is merged this throws, and the command reports
/// it (exit 3). Replace the body of <see cref="Create"/> with the real runner.
/// </summary>
internal static class NativeSequenceRunnerFactory
{
    public static ISequenceRunner Create() => throw new NotImplementedException("native sequence runner not merged yet");
}
