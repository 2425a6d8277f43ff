using System.Globalization;
using System.Text;

namespace MmuGather.Swarm;

/// <summary>
/// Writes a <see cref="SwarmScenario"/> in the scenario format, one flow mapping per step, so
/// that a failing case can be saved, read and replayed with the CLI. Deterministic: the same
/// scenario gives the same bytes.
/// </summary>
public static class SwarmYaml
{
    /// <summary>The YAML text; <paramref name="header"/> lines become leading comments.</summary>
    public static string Render(SwarmScenario s, IEnumerable<string>? header = null)
    {
        var sb = new StringBuilder();
        foreach (string line in header ?? [])
        {
            sb.Append("# ").Append(line).Append('\n');
        }

        sb.Append("name: ").Append(s.Name).Append('\n');
        sb.Append("machine: ").Append(Machine(s.Machine)).Append('\n');
        if (s.Gather is not null || s.Bugs.Count > 0)
        {
            sb.Append("kernel: ").Append(Kernel(s)).Append('\n');
        }

        sb.Append("processes:\n");
        foreach (SwarmProcess p in s.Processes)
        {
            AppendProcess(sb, p);
        }

        return sb.ToString();
    }

    /// <summary>A length in the largest binary unit that divides it.</summary>
    public static string Length(ulong bytes) =>
        bytes == 0 ? "0" : bytes % (1UL << 20) == 0 ? $"{bytes >> 20}MiB" : bytes % 1024 == 0 ? $"{bytes >> 10}KiB" : bytes.ToString(CultureInfo.InvariantCulture);

    private static string Machine(SwarmMachine m)
    {
        var parts = new List<string> { $"arch: {m.Arch}", $"cpus: {m.Cpus}" };
        if (m.Memory is { } mem)
        {
            parts.Add($"memory: {Length(mem)}");
        }

        if (m.Tlb is { } tlb)
        {
            parts.Add($"tlb: {{ entries: {tlb.Entries}, ways: {tlb.Ways} }}");
        }

        if (m.WalkCache is { } wc)
        {
            parts.Add($"walk_cache: {{ entries: {wc} }}");
        }

        if (m.FailAlloc.Count > 0)
        {
            parts.Add($"fail_alloc: [ {string.Join(", ", m.FailAlloc.Select(FailAlloc))} ]");
        }

        return $"{{ {string.Join(", ", parts)} }}";
    }

    private static string FailAlloc(SwarmFailAlloc f) =>
        f.Count is { } c ? $"{{ site: {f.Site}, nth: {f.Nth}, count: {c} }}" : $"{{ site: {f.Site}, nth: {f.Nth} }}";

    private static string Kernel(SwarmScenario s)
    {
        var parts = new List<string>();
        if (s.Bugs.Count > 0)
        {
            parts.Add($"bugs: [{string.Join(", ", s.Bugs)}]");
        }

        if (s.Gather is { } g)
        {
            parts.Add($"gather: {g}");
        }

        return $"{{ {string.Join(", ", parts)} }}";
    }

    private static void AppendProcess(StringBuilder sb, SwarmProcess p)
    {
        sb.Append("  - name: ").Append(p.Name).Append("\n    threads:\n");
        foreach (SwarmThread t in p.Threads)
        {
            string where = t.Cpus.Count == 1 ? $"cpu: {t.Cpus[0]}" : $"cpus: [{string.Join(", ", t.Cpus)}]";
            sb.Append("      - ").Append(where).Append("\n        steps:\n");
            foreach (SwarmStep step in t.Steps)
            {
                sb.Append("          - ").Append(Step(step)).Append('\n');
            }
        }
    }

    /// <summary>One step as a one-key flow mapping.</summary>
    public static string Step(SwarmStep s) => s.Kind switch
    {
        SwarmStepKind.Mmap => $"mmap: {{ {string.Join(", ", MmapArgs(s))} }}",
        SwarmStepKind.Munmap => $"munmap: {{ {string.Join(", ", RangeArgs(s, []))} }}",
        SwarmStepKind.Madvise => $"madvise: {{ {string.Join(", ", RangeArgs(s, ["advice: dontneed"]))} }}",
        SwarmStepKind.Touch => $"touch: {{ {string.Join(", ", RangeArgs(s, AccessArgs(s, withRepeat: true)))} }}",
        SwarmStepKind.GupFast => $"gup_fast: {{ {string.Join(", ", RangeArgs(s, AccessArgs(s, withRepeat: false)))} }}",
        SwarmStepKind.Writeback => s.Repeat > 1 ? $"writeback: {{ region: {s.Region}, repeat: {s.Repeat} }}" : $"writeback: {{ region: {s.Region} }}",
        SwarmStepKind.Mprotect => $"mprotect: {{ {string.Join(", ", RangeArgs(s, [$"prot: {s.Prot}"]))} }}",
        SwarmStepKind.Mremap => $"mremap: {{ region: {s.Region}, length: {Length(s.Length ?? 0)}{(s.MayMove ? ", may_move: true" : "")} }}",
        SwarmStepKind.Spin => "spin",
        SwarmStepKind.ExitGroup => "exit_group",
        _ => "exit",
    };

    private static IEnumerable<string> MmapArgs(SwarmStep s)
    {
        yield return $"name: {s.Region}";
        yield return $"length: {Length(s.Length ?? 0)}";
        if (s.Populate)
        {
            yield return "populate: true";
        }

        if (s.MapKind != "anon")
        {
            yield return $"kind: {s.MapKind}";
        }

        if (s.Thp)
        {
            yield return "thp: true";
        }
    }

    private static List<string> AccessArgs(SwarmStep s, bool withRepeat)
    {
        var extra = new List<string>();
        if (s.Write)
        {
            extra.Add("write: true");
        }

        if (withRepeat && s.Repeat > 1)
        {
            extra.Add($"repeat: {s.Repeat}");
        }

        return extra;
    }

    private static IEnumerable<string> RangeArgs(SwarmStep s, IEnumerable<string> extra)
    {
        yield return $"region: {s.Region}";
        foreach (string e in extra)
        {
            yield return e;
        }

        if (s.Offset is { } o)
        {
            yield return $"offset: {Length(o)}";
        }

        if (s.Length is { } l)
        {
            yield return $"length: {Length(l)}";
        }
    }
}
