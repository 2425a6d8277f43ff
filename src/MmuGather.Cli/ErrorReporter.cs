using MmuGather.Machine;
using MmuGather.Scenarios;

namespace MmuGather.Cli;

/// <summary>
/// Turns a failure into one message on stderr and an exit code, never a stack trace:
/// a bad command line or scenario is the user's to fix (<see cref="ExitCode.BadInput"/>);
/// anything else went wrong inside the model (<see cref="ExitCode.InternalError"/>).
/// </summary>
public static class ErrorReporter
{
    /// <summary>Writes the message for <paramref name="exception"/> and returns the exit code.</summary>
    public static int Report(Exception exception, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(stderr);
        (int code, string message) = Describe(exception);
        stderr.Write(message + "\n");
        stderr.Flush();
        return code;
    }

    private static (int Code, string Message) Describe(Exception exception) => exception switch
    {
        UsageException usage => (ExitCode.BadInput, $"error: {usage.Message}\n{UsageHint(usage.HelpTopic)}"),
        ScenarioException scenario => (ExitCode.BadInput, $"error: {scenario.Message}"),
        InvariantException invariant => (ExitCode.InternalError, $"internal error: {invariant.Message}"),

        // Any other failure inside the model is a bug in the simulator, not in the input.
        _ => (ExitCode.InternalError, $"internal error: {exception.GetType().Name}: {exception.Message}"),
    };

    private static string UsageHint(string? topic) =>
        topic is null ? "run 'mmugather --help' for usage" : $"run 'mmugather {topic} --help' for usage";
}
