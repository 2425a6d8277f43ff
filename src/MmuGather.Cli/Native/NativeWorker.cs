using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using MmuGather.Scenarios;

namespace MmuGather.Cli.Native;

/// <summary>
/// The hidden <c>mmugather native-worker FILE INDEX PARENTPID</c> entry point: one real OS
/// process per scenario process. It creates one dedicated OS thread per scenario thread,
/// pinned to its CPU, then runs the steps the session hands it over stdin ("step I"), one
/// at a time, answering on stdout ("done I WALLNS OUTCOME", or "exit I" just before the
/// last thread's exit ends the process with exit_group). EOF on stdin, or the death of the
/// session (PR_SET_PDEATHSIG), ends the worker at once: no orphan survives the session.
/// </summary>
internal static class NativeWorker
{
    public const string Command = "native-worker";

    public static int Run(IReadOnlyList<string> args)
    {
        // Die with the session, and do not start at all if it is already gone.
        Libc.prctl(Libc.PrSetPdeathsig, Libc.Sigkill, 0, 0, 0);
        if (args.Count != 3 || !int.TryParse(args[1], CultureInfo.InvariantCulture, out int index)
            || !int.TryParse(args[2], CultureInfo.InvariantCulture, out int parent) || Libc.getppid() != parent)
        {
            Console.Error.WriteLine("native-worker: started without a live session (internal command)");
            return ExitCode.BadInput;
        }

        Scenario scenario = ScenarioParser.ParseFile(args[0]);
        ProcessSpec process = scenario.Processes[index];
        ulong home = 1UL << HomeCpu(process);
        PinRuntimeThreads(home, []);

        LoadAssemblies();
        WarmUp(process.Threads[0].Cpu);
        var regions = new Dictionary<string, NativeRegion>(StringComparer.Ordinal);
        var threads = process.Threads.Select(t => new WorkerThread(t, regions, RealtimeSpinner(scenario, t))).ToArray();
        foreach (WorkerThread t in threads)
        {
            t.Start();
        }

        foreach (WorkerThread t in threads)
        {
            t.Ready.Wait();
            if (t.PinError is { } err)
            {
                Console.Error.WriteLine($"native-worker: {err}");
                return ExitCode.InternalError;
            }
        }

        // Runtime threads (GC, finalizer, tiering...) stay on the process's first CPU, so the
        // only other CPUs the mm runs on are those of its scenario threads.
        PinRuntimeThreads(home, threads.Select(t => t.Tid).ToHashSet());
        // One empty turn per thread through the same code as a real one (hand-over, answer),
        // so that nothing of it is compiled inside the first measured step.
        using (var sink = new StreamWriter(Stream.Null) { AutoFlush = true, NewLine = "\n" })
        {
            for (int i = 0; i < threads.Length; i++)
            {
                threads[i].Go(empty: true);
                threads[i].Done.Wait();
                sink.WriteLine($"done {i} {threads[i].LastWallNs} {threads[i].LastOutcome}");
            }
        }

        using var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true, NewLine = "\n" };
        using var stdin = new StreamReader(Console.OpenStandardInput());
        AddressArena? arena = null;
        stdout.WriteLine("ready " + string.Join(' ', threads.Select(t => t.Tid.ToString(CultureInfo.InvariantCulture))));
        int live = threads.Length;
        while (stdin.ReadLine() is { } line)
        {
            // The arena comes last, on the session's word before the first step: after the
            // threads (their stacks), the console's first write and read (a signal-handling
            // thread, an assembly mapped). What the runtime maps from now on would land in it,
            // and is caught after each step.
            if (line == "arena")
            {
                arena ??= AddressArena.Prepare();
                foreach (WorkerThread w in threads)
                {
                    w.Arena = arena;
                }

                PinRuntimeThreads(home, threads.Select(w => w.Tid).ToHashSet());

                // Compiled now, not after the first measured step: the JIT's own page
                // protections cost remote flush rounds while a sibling runs elsewhere.
                _ = Foreign(arena, regions.Values);
                stdout.WriteLine($"arena 0x{arena.Top:x}");
                continue;
            }

            // Asked after the session has read its counters: the check's own work (reading
            // /proc/self/maps, allocating) is not the step's.
            if (line == "check")
            {
                stdout.WriteLine(arena is null ? "clean" : Foreign(arena, regions.Values) ?? "clean");
                continue;
            }

            string[] words = line.Split(' ');
            if (words.Length != 2 || words[0] != "step" || !int.TryParse(words[1], CultureInfo.InvariantCulture, out int i) || i < 0 || i >= threads.Length)
            {
                Console.Error.WriteLine($"native-worker: bad command '{line}'");
                break;
            }

            WorkerThread t = threads[i];
            if (t.NextStep is ExitGroupStep)
            {
                // The process ends inside the step: the session is told first, then waits
                // for the process to be gone, as for the last thread's exit.
                stdout.WriteLine($"exit {i}");
                t.Go();
                Thread.Sleep(Timeout.Infinite);
            }

            t.Go();
            t.Done.Wait();
            if (t.Exited)
            {
                live--;
                if (live == 0)
                {
                    // The last scenario thread exits: the process goes with it (exit_group),
                    // tearing the address space down as exit_mmap does.
                    stdout.WriteLine($"exit {i}");
                    Libc.ExitGroup(0);
                }
            }

            stdout.WriteLine($"done {i} {t.LastWallNs} {t.LastOutcome}");
        }

        Libc.ExitGroup(0); // EOF: the session is done (or gone); spinners end with us
        return 0;
    }

    /// <summary>
    /// Maps every assembly this program can reach now: one loaded lazily inside a step would
    /// be mapped where the kernel finds room first, the arena among the regions.
    /// </summary>
    internal static void LoadAssemblies()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var todo = new Stack<System.Reflection.Assembly>([typeof(NativeWorker).Assembly]);
        while (todo.Count > 0)
        {
            foreach (System.Reflection.AssemblyName name in todo.Pop().GetReferencedAssemblies())
            {
                if (seen.Add(name.FullName))
                {
                    try
                    {
                        todo.Push(System.Reflection.Assembly.Load(name));
                    }
                    catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
                    {
                        // Not there (a reference never used at run time): nothing to map.
                    }
                }
            }
        }
    }

    /// <summary>
    /// Runs every kind of step once on a scratch region before the scenario starts, so that
    /// the JIT compiles (and the runtime maps) what the steps need now, not inside a measured step.
    /// </summary>
    internal static void WarmUp(int cpu)
    {
        const ulong Len = 2 * 4096;
        Step[] steps =
        [
            new MmapStep(0, "a", Len, true, MappingKind.Anon, false),
            new TouchStep(0, "a", false, 0, null),
            new TouchStep(0, "a", true, 0, null),
            new MadviseStep(0, "a", "dontneed", 0, null),
            new MunmapStep(0, "a", 0, 4096),
            new TouchStep(0, "a", false, 0, null),
            new MunmapStep(0, "a", 4096, null),
            new MmapStep(0, "f", Len, true, MappingKind.FileShared, false),
            new TouchStep(0, "f", true, 0, null),
            new WritebackStep(0, "f"),
            new MunmapStep(0, "f", 0, null),
            new MmapStep(0, "p", Len, true, MappingKind.FilePrivate, false),
            new MunmapStep(0, "p", 0, null),
        ];
        Libc.sched_setscheduler(0, 0, [0]); // SCHED_OTHER, as now: binds the call the spin step makes
        var scratch = new Dictionary<string, NativeRegion>(StringComparer.Ordinal);
        var t = new WorkerThread(new ThreadSpec(cpu, steps, 0), scratch, realtime: false);
        foreach (Step step in steps)
        {
            string outcome = t.Execute(step);
            if (outcome.StartsWith("error", StringComparison.Ordinal))
            {
                Console.Error.WriteLine($"native-worker: warm-up {step.GetType().Name}: {outcome}");
            }
        }

        foreach (NativeRegion r in scratch.Values.Where(r => r.Fd >= 0))
        {
            Libc.close(r.Fd);
        }
    }

    /// <summary>
    /// A mapping in the arena that is none of the regions' (the runtime's, made during the
    /// step): the kernel placed the regions around it, so the run is not the model's. Null if none.
    /// </summary>
    internal static string? Foreign(AddressArena arena, IEnumerable<NativeRegion> regions)
    {
        // Adjacent regions the kernel merged into one vma: their ranges are joined too.
        var joined = new List<(ulong Start, ulong End)>();
        foreach ((ulong s, ulong e) in regions.Select(r => ((ulong)r.Start, (ulong)r.Start + r.Length)).OrderBy(r => r.Item1))
        {
            if (joined.Count > 0 && s <= joined[^1].End)
            {
                joined[^1] = (joined[^1].Start, Math.Max(joined[^1].End, e));
            }
            else
            {
                joined.Add((s, e));
            }
        }

        MapsEntry? m = arena.Foreign(ProcMaps.Read(), e => joined.Any(r => e.Start >= r.Start && e.End <= r.End)).FirstOrDefault();
        return m is null ? null : $"{NativeSession.Interference}: 0x{m.Start:x}-0x{m.End:x} {m.Perms} {m.Path}";
    }

    /// <summary>Where the process's runtime threads live: the CPU of its first thread with more than spinning to do.</summary>
    private static int HomeCpu(ProcessSpec process) =>
        (process.Threads.FirstOrDefault(t => t.Steps.Any(s => s is not SpinStep)) ?? process.Threads[0]).Cpu;

    /// <summary>
    /// A spinner runs SCHED_FIFO only when it has its CPU to itself: no other scenario thread
    /// and no process's runtime threads there (a real-time busy loop would starve them).
    /// </summary>
    private static bool RealtimeSpinner(Scenario scenario, ThreadSpec thread) =>
        scenario.Processes.SelectMany(p => p.Threads).Count(t => t.Cpu == thread.Cpu) == 1
        && scenario.Processes.All(p => HomeCpu(p) != thread.Cpu);

    internal static void PinRuntimeThreads(ulong mask, HashSet<int> except)
    {
        foreach (string dir in Directory.GetDirectories("/proc/self/task"))
        {
            if (int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out int tid) && !except.Contains(tid))
            {
                Libc.Pin(tid, mask); // a thread that just ended cannot be pinned: nothing to do
            }
        }
    }
}
