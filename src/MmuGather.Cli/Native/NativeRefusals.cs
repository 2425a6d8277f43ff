using System.Text.RegularExpressions;
using MmuGather.Mm;
using MmuGather.Scenarios;

namespace MmuGather.Cli.Native;

/// <summary>
/// Everything the native executor refuses instead of guessing (issue 9 item 3): a host it
/// cannot count on, and scenario features with no faithful real-kernel counterpart here.
/// The first refusal found is thrown as a <see cref="NativeRefusedException"/>.
/// </summary>
internal static class NativeRefusals
{
    public static void Check(Scenario scenario, NativeHost host)
    {
        string file = scenario.SourcePath;
        string[] lines = System.IO.File.Exists(file) ? System.IO.File.ReadAllLines(file) : [];

        // What no host could run comes first (the answer does not depend on the host); then
        // what this host cannot.
        if (scenario.Machine.Arch != "x86")
        {
            throw new NativeRefusedException($"arch '{scenario.Machine.Arch}' is not this host's: native runs only 'x86' scenarios (plain x86-64 IPI flushes)", file, LineOf(lines, "arch"));
        }

        if (scenario.Kernel.Bugs.Count > 0)
        {
            throw new NativeRefusedException($"bug switch '{scenario.Kernel.Bugs[0]}': the host kernel cannot be broken on demand", file, LineOf(lines, "bugs"));
        }

        if (scenario.Kernel.Gather != GatherMode.Current)
        {
            throw new NativeRefusedException("gather 'percpu-2.6': the host kernel runs today's mmu_gather", file, LineOf(lines, "gather"));
        }

        if (scenario.Machine.FailAllocations.Count > 0)
        {
            throw new NativeRefusedException("fail_alloc: the host's page allocator cannot be made to fail on demand", file, scenario.Machine.FailAllocations[0].Line);
        }

        foreach (ProcessSpec process in scenario.Processes)
        {
            foreach (ThreadSpec thread in process.Threads)
            {
                if (thread.Mask != 1UL << thread.Cpu)
                {
                    throw new NativeRefusedException("a thread with 'cpus:' (allowed to migrate) is not run natively: native threads are pinned to one CPU", file, thread.Line);
                }

                foreach (Step step in thread.Steps)
                {
                    CheckStep(step, file);
                }
            }
        }

        if (host.Refusal is { } hostRefusal)
        {
            throw new NativeRefusedException(hostRefusal, file);
        }

        if (scenario.Machine.Cpus > host.Cpus)
        {
            throw new NativeRefusedException($"the scenario has {scenario.Machine.Cpus} cpus, the host {host.Cpus}", file, LineOf(lines, "cpus"));
        }

        foreach (ProcessSpec process in scenario.Processes)
        {
            var kinds = new Dictionary<string, MappingKind>(StringComparer.Ordinal);
            foreach (ThreadSpec thread in process.Threads)
            {
                if (thread.Cpu >= host.Cpus)
                {
                    throw new NativeRefusedException($"cpu {thread.Cpu} does not exist on the host ({host.Cpus} CPUs)", file, thread.Line);
                }

                foreach (Step step in thread.Steps)
                {
                    CheckHostStep(step, kinds, host, file);
                }
            }
        }
    }

    private static void CheckStep(Step step, string file)
    {
        switch (step)
        {
            case GupFastStep:
                throw new NativeRefusedException("gup_fast is not run natively yet (no faithful user-space trigger of get_user_pages_fast is wired up)", file, step.Line);
            case ForkStep:
                throw new NativeRefusedException("fork is not run natively yet (the .NET worker cannot run a forked child's steps)", file, step.Line);
            case MadviseStep a when a.Advice != "dontneed":
                throw new NativeRefusedException($"madvise advice '{a.Advice}' is not run natively", file, step.Line);
        }
    }

    private static void CheckHostStep(Step step, Dictionary<string, MappingKind> kinds, NativeHost host, string file)
    {
        switch (step)
        {
            case MmapStep m:
                kinds[m.Name] = m.Kind;
                if (m.Thp && host.ThpEnabled is not ("always" or "madvise"))
                {
                    throw new NativeRefusedException($"thp: transparent huge pages are '{host.ThpEnabled}' on this host (/sys/kernel/mm/transparent_hugepage/enabled)", file, step.Line);
                }

                break;
            case WritebackStep w when kinds.TryGetValue(w.Region, out MappingKind k) && k == MappingKind.Anon:
                throw new NativeRefusedException($"writeback of '{w.Region}': anonymous memory has no file to write back", file, step.Line);
        }
    }

    /// <summary>The first line of the file whose key is <paramref name="key"/> (null if none).</summary>
    private static int? LineOf(string[] lines, string key)
    {
        var pattern = new Regex($@"(^|[\s{{,])({Regex.Escape(key)})\s*:");
        for (int i = 0; i < lines.Length; i++)
        {
            string text = lines[i];
            int hash = text.IndexOf('#', StringComparison.Ordinal);
            if (pattern.IsMatch(hash < 0 ? text : text[..hash]))
            {
                return i + 1;
            }
        }

        return null;
    }
}
