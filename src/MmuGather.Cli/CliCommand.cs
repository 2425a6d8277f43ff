namespace MmuGather.Cli;

/// <summary>What the command line asks <c>mmugather</c> to do.</summary>
public enum CliCommand
{
    /// <summary>Print help (general, or for the command in <see cref="Invocation.HelpTopic"/>).</summary>
    Help,

    /// <summary>Print the version.</summary>
    Version,

    /// <summary>Run the built-in default scenario.</summary>
    Demo,

    /// <summary>Run a scenario file.</summary>
    Run,

    /// <summary>Run a scenario file under many seeded interleavings and report the bad ones.</summary>
    Explore,

    /// <summary>Rerun one interleaving of a scenario file exactly, optionally writing a trace.</summary>
    Replay,

    /// <summary>Run one scenario file on several architecture back-ends and print one table.</summary>
    Compare,
}
