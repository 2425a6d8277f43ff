namespace MmuGather.Cli;

/// <summary>Quotes a word for a POSIX shell when (and only when) it needs it.</summary>
public static class ShellWord
{
    private const string SafePunctuation = "-_./+:=@%,";

    /// <summary><paramref name="word"/> as is if it is plain, else in single quotes.</summary>
    public static string Quote(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        bool plain = word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || SafePunctuation.Contains(c));
        return plain ? word : $"'{word.Replace("'", "'\\''", StringComparison.Ordinal)}'";
    }
}
