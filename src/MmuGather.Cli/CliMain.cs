namespace MmuGather.Cli;

/// <summary>Entry point placeholder (replaced by the full CLI).</summary>
public static class CliMain
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        stderr.WriteLine("not yet");
        return 2;
    }
}
