using System.Text;

namespace MmuGather.Scenarios;

/// <summary>
/// Reads a scenario file's text, never more than <see cref="ScenarioLimits.FileBytes"/> + 1
/// bytes: the size a file claims means nothing for <c>/dev/zero</c>, a FIFO or a file still
/// growing, so the reader counts what it gets instead of asking.
/// </summary>
internal static class ScenarioFileReader
{
    public static string Read(string path, ScenarioLimits limits)
    {
        if (Directory.Exists(path))
        {
            throw new ScenarioException(path, 0, "is a directory, not a scenario file");
        }

        try
        {
            (byte[] bytes, int count) = ReadBounded(path, limits.FileBytes);
            return Decode(path, bytes, count, limits.FileBytes);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ScenarioException(path, 0, "file not found");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ScenarioException(path, 0, $"cannot read the file: {ex.Message}");
        }
    }

    /// <summary>
    /// Text handed to the parser directly gets the same bound, in characters (a UTF-8 file within
    /// the byte limit always fits).
    /// </summary>
    public static void CheckLength(string text, string path, int limit)
    {
        if (text.Length > limit)
        {
            throw TooLarge(path, 1 + text.AsSpan(0, limit).Count('\n'), limit);
        }
    }

    /// <summary>Reads until end of file or <paramref name="limit"/> + 1 bytes, whichever comes first.</summary>
    private static (byte[] Bytes, int Count) ReadBounded(string path, int limit)
    {
        // bufferSize 0: no FileStream buffer, so a character device is not read ahead past the limit.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        var buffer = new byte[limit + 1];
        int count = 0;
        int read;
        while (count < buffer.Length && (read = stream.Read(buffer, count, buffer.Length - count)) > 0)
        {
            count += read;
        }

        return (buffer, count);
    }

    private static string Decode(string path, byte[] bytes, int count, int limit)
    {
        if (count > limit)
        {
            // The line the limit falls on: where an editor would find the excess starting.
            throw TooLarge(path, 1 + bytes.AsSpan(0, limit).Count((byte)'\n'), limit);
        }

        // As File.ReadAllText: UTF-8 unless a byte order mark says otherwise.
        using var reader = new StreamReader(new MemoryStream(bytes, 0, count), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <summary>The line is where the limit falls: where an editor would find the excess starting.</summary>
    private static ScenarioException TooLarge(string path, int line, int limit) =>
        new(path, line, $"the file is larger than {limit} bytes (limit {limit})");
}
