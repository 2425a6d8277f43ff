namespace MmuGather.Cli;

/// <summary>The command line is wrong (unknown command or option, missing or invalid value).</summary>
public sealed class UsageException(string message, string? helpTopic = null) : Exception(message)
{
    /// <summary>The command whose help explains the mistake, or null for the overview.</summary>
    public string? HelpTopic { get; } = helpTopic;
}
