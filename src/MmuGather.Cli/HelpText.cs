namespace MmuGather.Cli;

/// <summary>The help screens, one per topic.</summary>
public static class HelpText
{
    /// <summary>The overview: what the tool is, its commands and exit codes.</summary>
    public const string General = """
        mmugather: an executable model of Linux's mmu_gather (TLB-shootdown batching)
        on a simulated multi-CPU machine.

        usage:
          mmugather demo [--format text|json]
          mmugather run FILE [--format text|json] [--seed N]
          mmugather help [COMMAND]
          mmugather --help | --version

        commands:
          demo    run the built-in scenario: munmap of a populated 1 GiB anonymous region
                  on x86 with 2 CPUs while a sibling thread spins on CPU 1
          run     run the scenario in FILE (YAML; see README.md for the format)
          help    show this help, or the help of COMMAND

        exit codes:
          0  no checker fired
          1  a checker fired (the report lists each violation with its seed and step)
          2  bad input: command line or scenario file
          3  internal error: the model itself failed (a bug in the simulator)

        """;

    /// <summary>Help for <c>demo</c>.</summary>
    public const string Demo = """
        usage: mmugather demo [--format text|json]

        Runs the built-in scenario (also shipped as scenarios/munmap-1gib-two-cpus.yaml):
        a thread on CPU 0 maps and populates 1 GiB of anonymous memory, then unmaps it,
        while a sibling thread of the same process spins on CPU 1, so every TLB flush of
        the munmap costs a shootdown IPI.

        options:
          --format text|json  report format (default: text)
          --help, -h          show this help

        """;

    /// <summary>Help for <c>run</c>.</summary>
    public const string Run = """
        usage: mmugather run FILE [--format text|json] [--seed N]

        Parses the YAML scenario in FILE, runs it on the simulated machine, tears every
        process down, and prints the counters, the per-step cost and every violation the
        checkers found.

        options:
          --format text|json  report format (default: text)
          --seed N            seed for the run (default: the scenario's 'seed', else 1);
                              a violation names the seed that reproduces it
          --help, -h          show this help

        """;

    /// <summary>The help text for <paramref name="topic"/> (null: the overview).</summary>
    public static string For(string? topic) => topic switch
    {
        "demo" => Demo,
        "run" => Run,
        _ => General,
    };
}
