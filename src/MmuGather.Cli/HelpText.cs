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
          mmugather run FILE [--format text|json] [--seed N] [--strategy S]
          mmugather explore FILE [--runs N] [--seed S] [--strategy random|pct] [--jobs J]
                                 [--depth D] [--stop-on-first] [--format text|json]
          mmugather replay FILE --seed S [--strategy S] [--depth D] [--pct-steps K]
                                [--trace OUT.json] [--format text|json]
          mmugather compare FILE [--arch A,B,...] [--kernel-variant V,...] [--strategy turns|time] [--seed S]
                                 [--format text|json]
          mmugather native FILE [--reps N] [--format text|json]
          mmugather validate FILE... [--reps N] [--format text|json]
          mmugather validate --generate N [--seed S] [--out DIR] [--format text|json]
          mmugather help [COMMAND]
          mmugather --help | --version

        commands:
          demo    run the built-in scenario: munmap of a populated 1 GiB anonymous region
                  on x86 with 2 CPUs while a sibling thread spins on CPU 1
          run     run the scenario in FILE (YAML; see README.md for the format)
          explore run FILE under many seeded interleavings and list the runs in which a
                  checker fired, each with the command that replays it
          replay  rerun one interleaving of FILE exactly; --trace writes a timeline per
                  CPU for ui.perfetto.dev
          compare run FILE on several architecture back-ends and print one table, a row
                  per architecture: shootdowns, broadcasts, flushes, cycles, violations
          native  run FILE as real system calls on this Linux host and count remote
                  flush rounds, minor faults and wall time per step (docs/native.md)
          validate run each FILE in the model and natively, side by side per step;
                  exit 1 when the model's flush rounds leave the native range;
                  --generate N: differential fuzzing over N random sequences
          help    show this help, or the help of COMMAND

        exit codes:
          0  no checker fired (explore: in no run)
          1  a checker fired (the report lists each violation with its seed and step);
             explore: some run had a violation or broke a model invariant
          2  bad input: command line or scenario file; the run reached what the model does
             not cover (explore: some run was refused, none was bad)
          3  internal error: the model itself failed (a bug in the simulator; explore: in
             some run)

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
                                  [--strategy turns|time|random|pct] [--depth D] [--pct-steps K]

        Parses the YAML scenario in FILE, runs it on the simulated machine, tears every
        process down, and prints the counters, the per-step cost and every violation the
        checkers found.

        options:
          --format text|json  report format (default: text)
          --seed N            seed for the run (default: the scenario's 'seed', else 1);
                              a violation names the seed that reproduces it
          --strategy S        how threads interleave (default: turns):
                                turns   one whole step per thread in file order
                                time    the CPU with the earliest virtual clock runs next
                                random  a seeded random walk over scheduling points
                                pct     probabilistic concurrency testing (seeded)
          --depth D           pct: the bug depth aimed at, 1 to 100 (default: 3)
          --pct-steps K       pct: scheduling decisions in one run (default: those of
                              one turns run of the scenario, as explore uses)
          --help, -h          show this help

        """;

    /// <summary>Help for <c>explore</c>.</summary>
    public const string Explore = """
        usage: mmugather explore FILE [--runs N] [--seed S] [--strategy random|pct]
                                      [--jobs J] [--depth D] [--pct-steps K]
                                      [--stop-on-first] [--format text|json]

        Runs the scenario in FILE under N seeded interleavings and prints a summary (runs,
        runs with violations, failed runs, runs per checker, first bad run, wall time) and
        each of the first 20 bad runs with its seed, its violations and the command that
        replays it exactly. Runs are independent and merged by index: the report is the
        same for any --jobs (but for the wall time). A run the model refuses (a step
        reaches what it does not model) is counted and listed apart, with its replay. The
        summary is always printed; exits 3 if any run hit an internal error, else 1 if any
        had a violation or broke a model invariant, else 2 if any was refused, else 0.

        options:
          --runs N            interleavings to run, 1 to 100000000 (default: 1000)
          --seed S            base seed; run i uses a seed derived from S and i
                              (default: the scenario's 'seed', else 1)
          --strategy S        random (default) or pct
          --jobs J            host threads running interleavings, 1 to 256 (default: 1)
          --depth D           pct: the bug depth aimed at, 1 to 100 (default: 3)
          --pct-steps K       pct: scheduling decisions in one run (default: those of
                              one turns run of the scenario)
          --stop-on-first     stop at the first run (lowest index) with a violation
          --format text|json  report format (default: text)
          --help, -h          show this help

        """;

    /// <summary>Help for <c>replay</c>.</summary>
    public const string Replay = """
        usage: mmugather replay FILE --seed S [--strategy random|pct|turns|time]
                                     [--depth D] [--pct-steps K] [--trace OUT.json]
                                     [--format text|json]

        Reruns exactly one interleaving of the scenario in FILE, the one --seed and
        --strategy (and, for pct, --depth and --pct-steps) name, and prints the same report
        as 'run'. explore prints this command line for every bad run.

        options:
          --seed S            the seed of the run (required)
          --strategy S        random (default), pct, turns or time
          --depth D           pct: the bug depth (default: 3)
          --pct-steps K       pct: scheduling decisions in one run (default: those of
                              one turns run of the scenario)
          --trace OUT.json    also write the run as Chrome/Perfetto trace-event JSON: one
                              track per CPU with the thread on it, lock holds, munmap /
                              madvise / exit, IPIs, TLB invalidations and frees, in virtual
                              time; open it in ui.perfetto.dev
          --format text|json  report format (default: text)
          --help, -h          show this help

        """;

    /// <summary>Help for <c>compare</c>.</summary>
    public const string Compare = """
        usage: mmugather compare FILE [--arch A,B,...] [--kernel-variant V,...]
                                      [--strategy turns|time] [--seed S] [--format text|json]

        Runs the scenario in FILE once per architecture back-end, with machine.arch
        replaced and everything else as written, the same seed and the same strategy, and
        prints one table with a row per architecture: shootdown IPIs, broadcast
        invalidations, calls of tlb_flush, local invalidations, pages freed and pages per
        flush, every counter a back-end adds of its own (hash table, TSB, SBI...), virtual
        cycles and violations. The figures are those of the scenario's steps, as 'run'
        prints them under "counters". Exits 1 if any architecture had a violation.

        options:
          --arch A,B,...      the back-ends to run, in this order (default: every one
                              registered; an unknown name is an error that lists them)
          --kernel-variant V,...
                              also cross the back-ends with kernel variants, a row per
                              back-end and variant: linux (what Linux 6.18 does), gather
                              (mremap and fork through an mmu_gather, as the 2007 series
                              proposed: kernel.flush_api gather), percpu-2.6 (the per-CPU
                              gather the 2011 rework replaced: kernel.gather percpu-2.6)
          --strategy S        turns (default) or time (CPUs run side by side on their
                              virtual clocks: the strategy for cycle figures)
          --seed S            seed for every run (default: the scenario's 'seed', else 1)
          --format text|json  report format (default: text)
          --help, -h          show this help

        """;

    /// <summary>The help text for <paramref name="topic"/> (null: the overview).</summary>
    public static string For(string? topic) => topic switch
    {
        "demo" => Demo,
        "run" => Run,
        "explore" => Explore,
        "replay" => Replay,
        "compare" => Compare,
        Native.NativeCommand.Name => Native.NativeCommand.Help,
        _ => General,
    };
}
