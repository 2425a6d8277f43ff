namespace MmuGather.Scenarios;

/// <summary>
/// Bad input in a scenario file. The message always names the file and the line, and says
/// what is wrong in one sentence: <c>scenarios/x.yaml:12: unknown key 'lenght' in 'mmap' (expected one of ...)</c>.
/// </summary>
public sealed class ScenarioException : Exception
{
    public ScenarioException(string file, int line, string what)
        : base($"{file}:{line}: {what}")
    {
        File = file;
        Line = line;
        What = what;
    }

    public string File { get; }

    public int Line { get; }

    public string What { get; }
}
