using System.Globalization;
using System.Text;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Cli.Native;

/// <summary>The report of a validate run.</summary>
internal sealed record ValidateReport(NativeHost Host, int Reps, IReadOnlyList<ValidateFile> Files)
{
    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    public IEnumerable<(ValidateFile File, ValidateRow Row)> Disagreements =>
        Files.Where(f => f.Rows is not null).SelectMany(f => f.Rows!.Where(r => !r.Agrees).Select(r => (f, r)));

    public static string Describe(ValidateFile f, ValidateRow r) =>
        $"{f.Scenario.SourcePath}:{r.Line}: {r.Thread} {r.Op}: model {(r.Model is null ? "no such step" : r.ModelRounds + " flush round(s)")}, native {(r.Native is null ? "no such step" : $"{r.Native.FlushRounds} (idle noise {N(r.Native.NoiseFlushRounds.Max)}, allowed {r.Allowed})")}";

    public string Text()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"validate: model (x86, turns) against this host, {Reps} native repetition(s), Linux {Host.Kernel} x86-64, {Host.Cpus} CPUs\n");
        sb.Append(CultureInfo.InvariantCulture, $"native flush rounds: {Host.FlushSource}\n");
        sb.Append("model flush rounds: remote_flush_rounds (x86 flush rounds with another CPU in mm_cpumask, lazy ones included)\n");
        sb.Append("agrees: the model's rounds lie within native min..max widened by the step's idle noise (max idle rounds); only rounds are judged\n");
        foreach (ValidateFile f in Files)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\n{f.Scenario.Name} ({f.Scenario.SourcePath})\n");
            if (f.Refusal is not null || f.Failure is not null)
            {
                sb.Append("  ").Append(f.Refusal ?? f.Failure).Append('\n');
                continue;
            }

            string[] header = ["thread", "cpu", "op", "line", "model rounds", "native rounds", "idle", "allowed", "agrees", "model shootdowns", "native TLB IPIs", "model pages freed", "native pages released", "model faults", "native minor faults", "native outcome"];
            var table = new List<string[]> { header };
            foreach (ValidateRow r in f.Rows!)
            {
                table.Add(
                [
                    r.Thread, N(r.Cpu), r.Op, N(r.Line),
                    r.ModelRounds,
                    r.Native is null ? "-" : r.Native.FlushRounds.ToString(),
                    r.Native is null ? "-" : N(r.Native.NoiseFlushRounds.Max),
                    r.Allowed,
                    r.Agrees ? "yes" : "NO",
                    r.Model is null ? "-" : N(r.Model.TlbShootdownIpis),
                    r.Native is null ? "-" : r.Native.TlbIpis.ToString(),
                    r.Model is null ? "-" : N(r.Model.PagesFreed),
                    r.Native is null ? "-" : r.Native.PagesReleased.ToString(),
                    r.Model is null ? "-" : N(r.Model.PageFaults),
                    r.Native is null ? "-" : r.Native.MinorFaults.ToString(),
                    r.Native?.Outcome ?? "-",
                ]);
            }

            int[] widths = Enumerable.Range(0, header.Length).Select(c => table.Max(row => row[c].Length)).ToArray();
            foreach (string[] row in table)
            {
                sb.Append("  ").Append(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd()).Append('\n');
            }
        }

        var bad = Disagreements.ToList();
        sb.Append('\n');
        if (bad.Count == 0)
        {
            int refused = Files.Count(f => f.Rows is null);
            sb.Append(refused == 0 ? "every step agrees\n" : $"every step run agrees; {refused} file(s) not run\n");
        }
        else
        {
            sb.Append(CultureInfo.InvariantCulture, $"disagreements: {bad.Count}\n");
            foreach ((ValidateFile f, ValidateRow r) in bad)
            {
                sb.Append("  ").Append(Describe(f, r)).Append('\n');
            }
        }

        return sb.ToString();
    }

    public string Json(int exit) => JsonText.Render(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("reps", Reps);
        w.WriteStartObject("host");
        w.WriteString("kernel", Host.Kernel);
        w.WriteString("arch", "x86-64");
        w.WriteNumber("cpus", Host.Cpus);
        w.WriteEndObject();
        w.WriteStartArray("files");
        foreach (ValidateFile f in Files)
        {
            w.WriteStartObject();
            w.WriteString("scenario", f.Scenario.Name);
            w.WriteString("file", f.Scenario.SourcePath);
            if (f.Refusal is not null)
            {
                w.WriteString("refused", f.Refusal);
            }

            if (f.Failure is not null)
            {
                w.WriteString("failed", f.Failure);
            }

            w.WriteStartArray("steps");
            foreach (ValidateRow r in f.Rows ?? [])
            {
                w.WriteStartObject();
                w.WriteString("thread", r.Thread);
                w.WriteNumber("cpu", r.Cpu);
                w.WriteString("op", r.Op);
                w.WriteNumber("line", r.Line);
                w.WriteBoolean("agrees", r.Agrees);
                if (r.Model is { } m)
                {
                    w.WriteStartObject("model");
                    w.WriteNumber("remote_flush_rounds", m.RemoteFlushRounds);
                    w.WriteNumber("tlb_shootdown_ipis", m.TlbShootdownIpis);
                    w.WriteNumber("pages_freed", m.PagesFreed);
                    w.WriteNumber("page_faults", m.PageFaults);
                    if (r.ModelTeardown is { } t)
                    {
                        w.WriteStartObject("remote_flush_rounds_with_worker_footprint");
                        w.WriteNumber("min", t.Min);
                        w.WriteNumber("max", t.Max);
                        w.WriteEndObject();
                    }

                    w.WriteEndObject();
                }
                else
                {
                    w.WriteNull("model");
                }

                if (r.Native is { } n)
                {
                    w.WriteStartObject("native");
                    n.FlushRounds.Write(w, "flush_rounds");
                    n.NoiseFlushRounds.Write(w, "idle_flush_rounds");
                    n.MinorFaults.Write(w, "minor_faults");
                    n.PagesReleased.Write(w, "pages_released");
                    n.TlbIpis.Write(w, "tlb_ipis_system_wide");
                    n.NoiseTlbIpis.Write(w, "idle_tlb_ipis_system_wide");
                    n.Footprint.Write(w, "worker_footprint_pages");
                    w.WriteString("outcome", n.Outcome);
                    w.WriteEndObject();
                }
                else
                {
                    w.WriteNull("native");
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("disagreements");
        foreach ((ValidateFile f, ValidateRow r) in Disagreements)
        {
            w.WriteStringValue(Describe(f, r));
        }

        w.WriteEndArray();
        w.WriteNumber("exit", exit);
        w.WriteEndObject();
    });
}
