namespace MmuGather.Cli;

/// <summary>
/// The <c>mmugather</c> command line. <see cref="Run"/> is the whole program, callable
/// in-process (tests pass their own writers): it parses the arguments, dispatches, and turns
/// every failure into a one-line message and an <see cref="ExitCode"/> through
/// <see cref="ErrorReporter"/>.
/// </summary>
public static class CliMain
{
    /// <summary>
    /// Runs <c>mmugather</c> with <paramref name="args"/>; returns the exit code. A
    /// <paramref name="progress"/> writer (a terminal's stderr) gets a status line during runs.
    /// </summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, TextWriter? progress = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        try
        {
            // The native executor and its hidden worker mode parse their own arguments (Native/).
            if (args is ["help", Native.NativeCommand.Name])
            {
                stdout.Write(Native.NativeCommand.Help);
                return ExitCode.Clean;
            }

            if (args is ["help", Native.ValidateCommand.Name])
            {
                stdout.Write(Native.ValidateCommand.Help);
                return ExitCode.Clean;
            }

            if (args.Length > 0 && args[0] == Native.ValidateCommand.Name)
            {
                return Native.ValidateCommand.Execute(args[1..], stdout, stderr);
            }

            if (args.Length > 0 && args[0] == Native.SequenceWorker.Command)
            {
                return Native.SequenceWorker.Run(args[1..]);
            }

            if (args.Length > 0 && args[0] is Native.NativeCommand.Name or Native.NativeWorker.Command)
            {
                return args[0] == Native.NativeCommand.Name
                    ? Native.NativeCommand.Execute(args[1..], stdout, stderr)
                    : Native.NativeWorker.Run(args[1..]);
            }

            return Dispatch(ArgumentParser.Parse(args), stdout, progress);
        }
        catch (Exception ex)
        {
            return ErrorReporter.Report(ex, stderr);
        }
    }

    private static int Dispatch(Invocation invocation, TextWriter stdout, TextWriter? progress)
    {
        switch (invocation.Command)
        {
            case CliCommand.Help:
                stdout.Write(HelpText.For(invocation.HelpTopic));
                return ExitCode.Clean;
            case CliCommand.Version:
                stdout.Write(VersionInfo.Line + "\n");
                return ExitCode.Clean;
            case CliCommand.Explore:
                return ExploreCommand.Execute(invocation, stdout, progress);
            case CliCommand.Compare:
                return CompareCommand.Execute(invocation, stdout, progress);
            default:
                return ScenarioCommand.Execute(invocation, stdout, progress);
        }
    }
}
