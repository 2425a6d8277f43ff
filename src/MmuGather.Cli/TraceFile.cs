using MmuGather.Sim.Trace;

namespace MmuGather.Cli;

/// <summary>
/// The <c>--trace FILE</c> of <c>replay</c>: checked before the run (so a typo in the path
/// does not cost a run), written after it, also when a model invariant broke (the trace then
/// ends where the model failed, which is when it is most wanted).
/// </summary>
public static class TraceFile
{
    /// <summary>Throws a <see cref="UsageException"/> when <paramref name="path"/> cannot be a file to write.</summary>
    public static void Check(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw Failure(path, "is a directory");
        }

        string? directory = Path.GetDirectoryName(full);
        if (directory is not null && !Directory.Exists(directory))
        {
            throw Failure(path, $"directory '{directory}' does not exist");
        }
    }

    /// <summary>Writes the trace of <paramref name="recorder"/> with <paramref name="metadata"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, TraceRecorder recorder, IReadOnlyList<KeyValuePair<string, string>> metadata)
    {
        try
        {
            using FileStream stream = File.Create(path);
            TraceWriter.Write(recorder, stream, metadata);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure(path, e.Message);
        }
    }

    private static UsageException Failure(string path, string why) => new($"cannot write trace '{path}': {why}", "replay");
}
