using System.Text;

namespace MmuGather.Tests.Cli;

/// <summary>Splits a command line printed by the CLI back into words (plain words and POSIX single quotes, as ShellWord writes them).</summary>
internal static class ShellWords
{
    public static string[] Split(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        bool quoted = false;
        bool escaped = false;
        foreach (char c in line)
        {
            if (escaped)
            {
                word.Append(c);
                escaped = false;
            }
            else if (quoted)
            {
                if (c == '\'')
                {
                    quoted = false;
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c == '\'')
            {
                quoted = true;
                inWord = true;
            }
            else if (c == '\\')
            {
                escaped = true;
                inWord = true;
            }
            else if (c == ' ')
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return [.. words];
    }
}
