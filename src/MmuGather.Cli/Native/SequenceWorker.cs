using System.Globalization;
using System.Text.Json;
using MmuGather.Scenarios;

namespace MmuGather.Cli.Native;

/// <summary>
/// The hidden <c>mmugather native-sequence-worker SPINNER PARENTPID</c> entry point: one
/// long-lived worker process that runs generated sequence after sequence for the differential
/// fuzzer, so that each costs system calls, not a runtime start. Thread 0 acts on CPU 0; with
/// SPINNER = 1 a thread 1 on CPU 1 spins when its step says so (the process is then confined to
/// CPUs 0 and 1 from its start, else to CPU 0 alone, so mm_cpumask holds what the model's does).
/// Commands on stdin, one answer line each on stdout:
/// <code>
/// load T N   + N step lines   -> loaded       thread T's steps for the next sequence
/// reset                       -> reset        spin ends, every region is unmapped, the arena is clean
/// step T                      -> done T WALLNS OUTCOME
/// check                       -> clean | error: the runtime mapped into the arena ...
/// observe                     -> obs {json}   vmas of the arena, residency of every region
/// </code>
/// </summary>
internal static class SequenceWorker
{
    public const string Command = "native-sequence-worker";

    public static int Run(IReadOnlyList<string> args)
    {
        Libc.prctl(Libc.PrSetPdeathsig, Libc.Sigkill, 0, 0, 0);
        if (args.Count != 2 || args[0] is not ("0" or "1") || !int.TryParse(args[1], CultureInfo.InvariantCulture, out int parent) || Libc.getppid() != parent)
        {
            Console.Error.WriteLine($"{Command}: started without a live session (internal command)");
            return ExitCode.BadInput;
        }

        bool spinner = args[0] == "1";
        NativeWorker.PinRuntimeThreads(1UL, []);
        NativeWorker.LoadAssemblies();
        NativeWorker.WarmUp(0);
        var regions = new Dictionary<string, NativeRegion>(StringComparer.Ordinal);
        var fds = new HashSet<int>();
        var placed = new HashSet<(IntPtr, ulong)>();
        var threads = new List<WorkerThread> { new(new ThreadSpec(0, [], 0), regions, realtime: false) };
        if (spinner)
        {
            threads.Add(new WorkerThread(new ThreadSpec(1, [], 0), regions, realtime: true));
        }

        foreach (WorkerThread t in threads)
        {
            t.Start();
            t.Ready.Wait();
            if (t.PinError is { } err)
            {
                Console.Error.WriteLine($"{Command}: {err}");
                return ExitCode.InternalError;
            }
        }

        using var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true, NewLine = "\n" };
        using var stdin = new StreamReader(Console.OpenStandardInput());
        // Compiled now, before any arena exists: code the JIT writes later would be mapped
        // where the kernel finds room first, the arena.
        _ = NativeWorker.Foreign(new AddressArena(AddressArena.Span * 2), regions.Values);
        _ = Observe(new AddressArena(AddressArena.Span * 2), regions);
        AddressArena.Clear([]);
        stdout.WriteLine("ready " + string.Join(' ', threads.Select(t => t.Tid.ToString(CultureInfo.InvariantCulture))));
        AddressArena? arena = null;
        while (stdin.ReadLine() is { } line)
        {
            string[] w = line.Split(' ');
            switch (w[0])
            {
                case "load" when w.Length == 3:
                    int n = int.Parse(w[2], CultureInfo.InvariantCulture);
                    var steps = Enumerable.Range(0, n).Select(_ => StepCodec.Decode(stdin.ReadLine() ?? "")).ToList();
                    int ti = int.Parse(w[1], CultureInfo.InvariantCulture);
                    threads[ti].Load(new ThreadSpec(ti, steps, 0));
                    stdout.WriteLine("loaded");
                    break;
                case "reset":
                    foreach (WorkerThread t in threads)
                    {
                        t.StopSpinning();
                    }

                    Remember(regions, placed, fds);
                    AddressArena.Clear(placed);
                    foreach (int fd in fds)
                    {
                        Libc.close(fd);
                    }

                    regions.Clear();
                    placed.Clear();
                    fds.Clear();

                    // The arena is made at the first reset (after the console's first write and
                    // read: a signal thread, an assembly), and made anew, lower down, when the
                    // runtime has put something of its own in it: the placement would be off.
                    if (arena is null || NativeWorker.Foreign(arena, regions.Values) is not null)
                    {
                        arena = Prepare(threads);
                    }

                    arena.Refill();
                    arena.Sweep();
                    stdout.WriteLine("reset");
                    break;
                case "step" when w.Length == 2:
                    int i = int.Parse(w[1], CultureInfo.InvariantCulture);
                    threads[i].Go();
                    threads[i].Done.Wait();
                    Remember(regions, placed, fds); // a reused name drops the old region from the dictionary
                    stdout.WriteLine($"done {i} {threads[i].LastWallNs} {threads[i].LastOutcome}");
                    break;
                case "check":
                    stdout.WriteLine(arena is null ? "clean" : NativeWorker.Foreign(arena, regions.Values) ?? "clean");
                    break;
                case "observe":
                    stdout.WriteLine("obs " + Observe(arena, regions));
                    break;
                default:
                    Console.Error.WriteLine($"{Command}: bad command '{line}'");
                    Libc.ExitGroup(ExitCode.InternalError);
                    break;
            }
        }

        Libc.ExitGroup(0);
        return 0;
    }

    private static AddressArena Prepare(List<WorkerThread> threads)
    {
        var arena = AddressArena.Prepare();
        foreach (WorkerThread t in threads)
        {
            t.Arena = arena;
        }

        NativeWorker.PinRuntimeThreads(1UL, threads.Select(t => t.Tid).ToHashSet());
        return arena;
    }

    private static void Remember(Dictionary<string, NativeRegion> regions, HashSet<(IntPtr, ulong)> placed, HashSet<int> fds)
    {
        foreach (NativeRegion r in regions.Values)
        {
            placed.Add((r.Start, r.Length));
            if (r.Fd >= 0)
            {
                fds.Add(r.Fd);
            }
        }
    }

    /// <summary>
    /// The kernel's view after a step: the vmas in the arena (offsets from its top, which
    /// stands where the model's mmap_base does), and per region one character per page:
    /// '-' no vma (maps), '1' resident, '0' not (mincore, which for a file page not mapped
    /// by a PTE reports the page cache).
    /// </summary>
    public static string Observe(AddressArena? arena, Dictionary<string, NativeRegion> regions)
    {
        List<MapsEntry> maps = ProcMaps.Read();
        var layout = arena is null
            ? []
            : maps.Where(m => m.End > arena.Bottom && m.Start < arena.Top)
                .Select(m => new VmaLine((long)(m.Start - arena.Top), (long)(m.End - arena.Top), m.Perms, m.File)).ToList();
        var resident = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var vec = new byte[1];
        foreach ((string name, NativeRegion r) in regions)
        {
            var chars = new char[r.Length >> 12];
            for (int p = 0; p < chars.Length; p++)
            {
                ulong va = (ulong)r.Start + ((ulong)p << 12);
                chars[p] = ProcMaps.FirstUnmapped(maps, va, va + 4096) is not null ? '-'
                    : Libc.mincore((nint)va, 4096, vec) == 0 && (vec[0] & 1) != 0 ? '1' : '0';
            }

            resident[name] = new string(chars);
        }

        return JsonSerializer.Serialize(new ObservationLine(layout, resident), SequenceJson.Default.ObservationLine);
    }
}
