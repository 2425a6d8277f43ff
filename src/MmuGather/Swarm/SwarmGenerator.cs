using MmuGather.Sim;
using MmuGather.Sim.Scheduling;

namespace MmuGather.Swarm;

/// <summary>
/// Generates random, valid scenarios over every back-end, gather mode, step kind and machine
/// option of the format. Scenario <c>i</c> of base seed <c>S</c> is drawn from
/// <c>SplitMix64.Derive(S, i)</c> alone, so the same (S, i) gives the same scenario byte for
/// byte; the architecture cycles with <c>i</c> so that every nine scenarios cover all nine.
/// <para>
/// Valid means: the parser accepts it and the model runs it under any interleaving. Two rules
/// of the format shape the output: a step may only name a region mmapped before it in file
/// order (threads' steps in thread order), and in a process that maps THP every length and
/// offset is a multiple of 2 MiB, because the model refuses a range that cuts a huge PMD and a
/// name that outlived its munmap may land on any region mapped at its old address since.
/// </para>
/// </summary>
public static class SwarmGenerator
{
    /// <summary>2 MiB: the PMD span on every back-end but s390 (1 MiB), and a multiple of that.</summary>
    public const ulong HugeUnit = 2UL << 20;

    public const ulong PageUnit = 4096;

    private static readonly string[] s_sites = ["gather-batch", "table-batch", "user-page", "page-table"];
    private static readonly ulong[] s_memories = [64UL << 20, 256UL << 20, 512UL << 20];
    private static readonly (int, int)[] s_tlbs = [(16, 4), (64, 4), (8, 8), (32, 2)];

    /// <summary>The back-ends, in a fixed order (the registry's names, sorted).</summary>
    public static IReadOnlyList<string> Arches { get; } = [.. Architectures.Names.Order(StringComparer.Ordinal)];

    /// <summary>Scenario <paramref name="index"/> of the swarm started from <paramref name="baseSeed"/>.</summary>
    public static SwarmScenario Generate(ulong baseSeed, int index)
    {
        var rng = new SwarmRandom(SplitMix64.Derive(baseSeed, index));
        SwarmFeatures f = SwarmFeatures.Draw(rng);
        SwarmMachine machine = Machine(rng, f, Arches[index % Arches.Count]);
        int processes = f.SeveralProcesses ? rng.Between(2, 3) : 1;
        var list = new List<SwarmProcess>();
        for (int p = 0; p < processes; p++)
        {
            list.Add(Process(rng, f, machine.Cpus, p));
        }

        return new SwarmScenario($"swarm-{baseSeed}-{index}", machine, list) { Gather = f.Gather };
    }

    private static SwarmMachine Machine(SwarmRandom rng, SwarmFeatures f, string arch)
    {
        // Mostly several CPUs: a flush has someone to reach (INVLPGB needs 3).
        var m = new SwarmMachine(arch, rng.OneIn(8) ? 1 : rng.Between(2, 4)) { Memory = rng.Pick(s_memories) };
        if (f.TinyTlb)
        {
            m = m with { Tlb = rng.Pick(s_tlbs), WalkCache = rng.Between(1, 4) };
        }

        if (f.FailAlloc)
        {
            m = m with { FailAlloc = [.. Enumerable.Range(0, rng.Between(1, 2)).Select(_ => FailAlloc(rng))] };
        }

        return m;
    }

    /// <summary>
    /// A failing site; the batch sites twice as often as the others, and a third of the time
    /// failing for good: a gather without batch pages flushes every few pages, and tables
    /// without a batch page are freed one by one (the paths two zoo bugs live on).
    /// </summary>
    private static SwarmFailAlloc FailAlloc(SwarmRandom rng) =>
        new(s_sites[rng.Next(6) % 4], rng.Between(1, 6), rng.OneIn(3) ? null : rng.Between(1, 3));

    private static SwarmProcess Process(SwarmRandom rng, SwarmFeatures f, int cpus, int p)
    {
        bool thp = f.Thp && !rng.OneIn(3);
        var state = new SwarmProcessDraw(rng, f, thp ? HugeUnit : PageUnit, thp);
        var threads = new List<SwarmThread>();
        int count = rng.Between(1, 3);
        for (int t = 0; t < count; t++)
        {
            threads.Add(Thread(state, cpus, p, t));
        }

        return new SwarmProcess($"p{p}", state.Unit, threads);
    }

    private static SwarmThread Thread(SwarmProcessDraw s, int cpus, int p, int t)
    {
        SwarmRandom rng = s.Rng;
        var steps = new List<SwarmStep>();
        int count = rng.Between(1, 6);
        bool spun = false;
        for (int i = 0; i < count; i++)
        {
            if (s.Features.Spinners && !spun && rng.OneIn(8))
            {
                spun = true;
                steps.Add(new SwarmStep(SwarmStepKind.Spin));
                continue;
            }

            steps.Add(s.Step($"r{p}_{t}_{i}"));
        }

        // exit and exit_group only last: an exited thread runs nothing more, and a later mmap
        // of its own that another thread waits for would never come (nothing may follow an
        // exit_group at all). One exit in three is an exit_group, which ends the siblings too.
        if (rng.OneIn(5))
        {
            SwarmStepKind last = rng.OneIn(2) ? SwarmStepKind.Exit : SwarmStepKind.Spin;
            steps.Add(new SwarmStep(last == SwarmStepKind.Exit && rng.OneIn(3) ? SwarmStepKind.ExitGroup : last));
        }

        return new SwarmThread(Cpus(rng, s.Features, cpus), steps);
    }

    private static List<int> Cpus(SwarmRandom rng, SwarmFeatures f, int cpus)
    {
        if (!f.CpuLists || cpus == 1 || rng.OneIn(2))
        {
            return [rng.Next(cpus)];
        }

        // A shuffled subset of two or more: the thread starts on the first and may migrate.
        var all = Enumerable.Range(0, cpus).ToList();
        var picked = new List<int>();
        int n = rng.Between(2, cpus);
        for (int i = 0; i < n; i++)
        {
            int k = rng.Next(all.Count);
            picked.Add(all[k]);
            all.RemoveAt(k);
        }

        return picked;
    }
}
