using MmuGather.Cli;

namespace MmuGather.Tests.Cli;

/// <summary>Runs <see cref="CliMain"/> in-process with captured output.</summary>
internal static class CliHarness
{
    /// <summary>A stack frame as .NET prints it in an exception's trace.</summary>
    public const string StackFrameMarker = "   at ";

    public static CliRun Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = CliMain.Run(args, stdout, stderr);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }
}
