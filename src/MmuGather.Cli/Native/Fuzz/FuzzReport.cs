using System.Globalization;
using System.Text;

namespace MmuGather.Cli.Native.Fuzz;

/// <summary>The summary of <c>validate --generate</c>, as text or JSON.</summary>
internal static class FuzzReport
{
    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    public static string Text(FuzzSummary s, NativeHost host)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(host);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"validate --generate: model (x86, turns) against this host (Linux {host.Kernel} x86-64, {host.Cpus} CPUs), base seed {s.Options.Seed}\n");
        sb.Append(CultureInfo.InvariantCulture, $"sequences run: {s.Sequences} of {s.Options.Sequences}, steps compared: {N(s.StepsCompared)}, {s.Elapsed.TotalSeconds:F1} s\n");
        sb.Append(CultureInfo.InvariantCulture, $"mismatches found: {s.Found} sequence(s); mismatches left (after {FuzzOptions.RoundsReruns} native re-runs of a rounds difference): {s.Left}\n");
        sb.Append("per category (steps agreeing / mismatching, sequences mismatching):\n");
        foreach (FuzzCategory c in Enum.GetValues<FuzzCategory>())
        {
            sb.Append(CultureInfo.InvariantCulture, $"  {FuzzDriver.Name(c),-10} {N(s.Agreements(c))} agree, {N(s.Mismatches(c))} mismatch, in {N(s.MismatchingSequences(c))} sequence(s){(s.NotReproducedSteps(c) > 0 ? $"; {N(s.NotReproducedSteps(c))} not reproduced" : "")}\n");
        }

        if (s.Saved.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"saved under {s.Options.OutDir} (shrunk: at most {s.Options.MaxShrinksPerCategory} sequences and {s.Options.MaxSavedPerCategory} distinct files per category; {s.Duplicates} duplicate(s) not saved again):\n");
            foreach (FuzzSaved f in s.Saved)
            {
                sb.Append(CultureInfo.InvariantCulture, $"  {f.Path}: {FuzzDriver.Name(f.Category)}, {f.StepsBefore} -> {f.StepsAfter} step(s)\n");
                foreach (string d in f.Details)
                {
                    sb.Append("    ").Append(d).Append('\n');
                }
            }
        }

        if (s.NotReproduced > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"not reproduced: {s.NotReproduced} sequence(s) differed in one host run (layout, access or residency) and agreed when run again: the host varied, not counted as left:\n");
            foreach ((ulong seed, int index, IReadOnlyList<string> details) in s.NotReproducedList)
            {
                sb.Append(CultureInfo.InvariantCulture, $"  seed {seed} (sequence {index}):\n");
                foreach (string d in details)
                {
                    sb.Append("    ").Append(d).Append('\n');
                }
            }
        }

        if (s.Error is not null)
        {
            sb.Append("stopped: ").Append(s.Error).Append('\n');
        }

        sb.Append(s.Left == 0 && s.Error is null ? "every step agrees\n" : "");
        return sb.ToString();
    }

    public static string Json(FuzzSummary s, NativeHost host, int exit) => JsonText.Render(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("seed", s.Options.Seed);
        w.WriteNumber("sequences_asked", s.Options.Sequences);
        w.WriteNumber("sequences_run", s.Sequences);
        w.WriteNumber("steps_compared", s.StepsCompared);
        w.WriteNumber("mismatches_found", s.Found);
        w.WriteNumber("mismatches_left", s.Left);
        w.WriteNumber("not_reproduced", s.NotReproduced);
        w.WriteStartArray("not_reproduced_sequences");
        foreach ((ulong seed, int index, IReadOnlyList<string> details) in s.NotReproducedList)
        {
            w.WriteStartObject();
            w.WriteNumber("seed", seed);
            w.WriteNumber("index", index);
            w.WriteStartArray("first_run");
            foreach (string d in details)
            {
                w.WriteStringValue(d);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("host");
        w.WriteString("kernel", host.Kernel);
        w.WriteNumber("cpus", host.Cpus);
        w.WriteEndObject();
        w.WriteStartObject("categories");
        foreach (FuzzCategory c in Enum.GetValues<FuzzCategory>())
        {
            w.WriteStartObject(FuzzDriver.Name(c));
            w.WriteNumber("agree", s.Agreements(c));
            w.WriteNumber("mismatch", s.Mismatches(c));
            w.WriteNumber("not_reproduced", s.NotReproducedSteps(c));
            w.WriteNumber("sequences", s.MismatchingSequences(c));
            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WriteStartArray("saved");
        foreach (FuzzSaved f in s.Saved)
        {
            w.WriteStartObject();
            w.WriteString("file", f.Path);
            w.WriteNumber("seed", f.Seed);
            w.WriteString("category", FuzzDriver.Name(f.Category));
            w.WriteNumber("steps_before", f.StepsBefore);
            w.WriteNumber("steps_after", f.StepsAfter);
            w.WriteStartArray("mismatches");
            foreach (string d in f.Details)
            {
                w.WriteStringValue(d);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteNumber("duplicates", s.Duplicates);
        if (s.Error is not null)
        {
            w.WriteString("error", s.Error);
        }

        w.WriteNumber("seconds", Math.Round(s.Elapsed.TotalSeconds, 1));
        w.WriteNumber("exit", exit);
        w.WriteEndObject();
    });
}
