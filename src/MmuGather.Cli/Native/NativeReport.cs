using System.Globalization;
using System.Text;
using System.Text.Json;
using MmuGather.Scenarios;

namespace MmuGather.Cli.Native;

/// <summary>The report of a native run.</summary>
internal sealed record NativeReport(Scenario Scenario, NativeHost Host, int Reps, IReadOnlyList<NativeRow> Rows, Spread NoiseFlushRounds, Spread NoiseMinorFaults, Spread NoiseWallUs)
{
    public static NativeReport From(Scenario scenario, NativeHost host, List<List<NativeSample>> runs)
    {
        var names = new List<(string Name, ThreadSpec Spec)>();
        foreach (ProcessSpec p in scenario.Processes)
        {
            for (int t = 0; t < p.Threads.Count; t++)
            {
                names.Add(($"{p.Name}/{t}", p.Threads[t]));
            }
        }

        var rows = new List<NativeRow>();
        for (int i = 0; i < runs[0].Count; i++)
        {
            NativeSample first = runs[0][i];
            var same = runs.Select(r => r[i]).ToArray();
            var (name, spec) = names[first.Thread];
            Step step = spec.Steps[first.StepIndex];
            string outcome = string.Join(" / ", same.Select(s => s.Outcome).Distinct());
            rows.Add(new NativeRow(
                name,
                spec.Cpu,
                step.Op,
                step.Line,
                Spread.Of(same.Select(s => s.FlushRounds)),
                Spread.Of(same.Select(s => s.MinorFaults)),
                Spread.Of(same.Select(s => s.WallNs / 1000)),
                Spread.Of(same.Select(s => s.NoiseFlushRounds)),
                Spread.Of(same.Select(s => s.NoiseMinorFaults)),
                outcome,
                Spread.Of(same.Select(s => s.RssBefore - s.RssAfter)),
                Spread.Of(same.Select(s => s.Footprint)),
                Spread.Of(same.Select(s => s.TlbIpis)),
                Spread.Of(same.Select(s => s.NoiseTlbIpis))));
        }

        return new NativeReport(
            scenario,
            host,
            runs.Count,
            rows,
            Spread.Of(runs.Select(r => r.Sum(s => s.NoiseFlushRounds))),
            Spread.Of(runs.Select(r => r.Sum(s => s.NoiseMinorFaults))),
            Spread.Of(runs.Select(r => r.Sum(s => s.WallNs) / 1000)));
    }


    public string Text()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"native: {Scenario.Name} ({Scenario.SourcePath}), {Reps} repetition(s), Linux {Host.Kernel} x86-64, {Host.Cpus} CPUs\n");
        sb.Append(CultureInfo.InvariantCulture, $"flush rounds: {Host.FlushSource}\n");
        sb.Append(CultureInfo.InvariantCulture, $"minor faults: {NativeHost.FaultSource}\n");
        sb.Append(CultureInfo.InvariantCulture, $"TLB IPIs: {Interrupts.Source}\n");
        sb.Append("pages released: the worker's resident pages (Rss of /proc/PID/smaps_rollup) before the step minus after it; a process exit releases its whole Rss, the runtime's pages included\n");
        sb.Append("values: median [min..max] over the repetitions; idle: the same counters over an idle window as long as the step\n\n");
        string[] header = ["thread", "cpu", "op", "line", "flush rounds", "TLB IPIs", "minor faults", "pages released", "wall us", "idle rounds", "idle IPIs", "idle faults", "outcome"];
        var table = new List<string[]> { header };
        table.AddRange(Rows.Select(r => new[]
        {
            r.Thread, r.Cpu.ToString(CultureInfo.InvariantCulture), r.Op, r.Line.ToString(CultureInfo.InvariantCulture),
            r.FlushRounds.ToString(), r.TlbIpis.ToString(), r.MinorFaults.ToString(), r.PagesReleased.ToString(), r.WallUs.ToString(), r.NoiseFlushRounds.ToString(), r.NoiseTlbIpis.ToString(), r.NoiseMinorFaults.ToString(), r.Outcome,
        }));
        int[] widths = Enumerable.Range(0, header.Length).Select(c => table.Max(row => row[c].Length)).ToArray();
        foreach (string[] row in table)
        {
            sb.Append(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd()).Append('\n');
        }

        sb.Append(CultureInfo.InvariantCulture, $"\nnoise (idle windows of the steps' total length, {NoiseWallUs} us): flush rounds {NoiseFlushRounds}, minor faults {NoiseMinorFaults}\n");
        return sb.ToString();
    }

    public string Json() => JsonText.Render(w =>
    {
        w.WriteStartObject();
        w.WriteString("scenario", Scenario.Name);
        w.WriteString("file", Scenario.SourcePath);
        w.WriteNumber("reps", Reps);
        w.WriteStartObject("host");
        w.WriteString("kernel", Host.Kernel);
        w.WriteString("arch", "x86-64");
        w.WriteNumber("cpus", Host.Cpus);
        w.WriteEndObject();
        w.WriteStartObject("sources");
        w.WriteString("flush_rounds", Host.FlushSource);
        w.WriteString("minor_faults", NativeHost.FaultSource);
        w.WriteEndObject();
        w.WriteStartArray("steps");
        foreach (NativeRow r in Rows)
        {
            w.WriteStartObject();
            w.WriteString("thread", r.Thread);
            w.WriteNumber("cpu", r.Cpu);
            w.WriteString("op", r.Op);
            w.WriteNumber("line", r.Line);
            r.FlushRounds.Write(w, "flush_rounds");
            r.MinorFaults.Write(w, "minor_faults");
            r.PagesReleased.Write(w, "pages_released");
            r.TlbIpis.Write(w, "tlb_ipis_system_wide");
            r.NoiseTlbIpis.Write(w, "idle_tlb_ipis_system_wide");
            r.Footprint.Write(w, "worker_footprint_pages");
            r.WallUs.Write(w, "wall_us");
            r.NoiseFlushRounds.Write(w, "idle_flush_rounds");
            r.NoiseMinorFaults.Write(w, "idle_minor_faults");
            w.WriteString("outcome", r.Outcome);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("noise");
        NoiseWallUs.Write(w, "window_us");
        NoiseFlushRounds.Write(w, "flush_rounds");
        NoiseMinorFaults.Write(w, "minor_faults");
        w.WriteEndObject();
        w.WriteEndObject();
    });
}
