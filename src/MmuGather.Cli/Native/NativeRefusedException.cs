namespace MmuGather.Cli.Native;

/// <summary>
/// The scenario (or the host) cannot be run faithfully as real system calls: the command
/// exits 2 with one line naming the reason and, when there is one, the scenario line.
/// </summary>
public sealed class NativeRefusedException(string reason, string? file = null, int? line = null) : Exception(reason)
{
    public string Reason { get; } = reason;

    public string? File { get; } = file;

    public int? Line { get; } = line;

    /// <summary>The one line printed on stderr.</summary>
    public string OneLine => Line is { } l && File is not null
        ? $"native: refused: {File}:{l}: {Reason}"
        : File is not null ? $"native: refused: {File}: {Reason}" : $"native: refused: {Reason}";
}
