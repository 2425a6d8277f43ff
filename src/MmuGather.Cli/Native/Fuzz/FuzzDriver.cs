using System.Diagnostics;
using System.Globalization;
using MmuGather.Scenarios;
using MmuGather.Swarm;

namespace MmuGather.Cli.Native.Fuzz;

/// <summary>
/// The differential fuzzer's loop: for each seed, generate a sequence, run it in the model
/// and on the host, compare per step; a mismatch (after re-running the host when only the
/// rounds differ) is shrunk in its category and saved under <see cref="FuzzOptions.OutDir"/>.
/// </summary>
internal sealed class FuzzDriver(ISequenceRunner model, ISequenceRunner native, NativeHost host, FuzzOptions options, TextWriter progress)
{
    private readonly Stopwatch _clock = new();
    private readonly HashSet<string> _bodies = new(StringComparer.Ordinal);
    private TimeSpan _lastProgress;

    public FuzzSummary Run()
    {
        var summary = new FuzzSummary(options);
        _clock.Start();
        for (int i = 0; i < options.Sequences; i++)
        {
            ulong seed = SequenceGenerator.SeedOf(options.Seed, i);
            SwarmScenario sequence = SequenceGenerator.Generate(seed);
            FuzzEvaluation e;
            try
            {
                e = Evaluate(sequence);
            }
            catch (Exception ex) when (IsRunFailure(ex))
            {
                // A side failed (not a mismatch): stop, keep the sequence for a replay.
                summary.Error = $"sequence {i} (seed {seed}) failed: {ex.Message}; saved as {SaveFailure(sequence, seed, ex)}";
                break;
            }

            summary.Add(e);
            if (e.NotReproduced.Count > 0)
            {
                summary.AddNotReproduced(seed, i, e.NotReproduced);
            }

            if (e.Verdict.First is { } category && summary.Shrunk[category] < options.MaxShrinksPerCategory && summary.SavedIn(category) < options.MaxSavedPerCategory)
            {
                summary.Shrunk[category]++;
                ShrinkAndSave(summary, sequence, seed, i, category);
            }

            Progress(summary, i + 1);
        }

        summary.Elapsed = _clock.Elapsed;
        return summary;
    }

    /// <summary>
    /// Runs a sequence on both sides. A refusal of the host (<see cref="NativeRefusedException"/>)
    /// and a failure of either side propagate: they are not mismatches.
    /// </summary>
    public FuzzEvaluation Evaluate(SwarmScenario sequence)
    {
        Scenario scenario = SequenceGenerator.Parse(sequence);
        NativeRefusals.Check(scenario, host);
        IReadOnlyList<StepObservation> m = model.Run(scenario);
        var runs = new List<IReadOnlyList<StepObservation>> { native.Run(scenario) };
        SequenceVerdict verdict = SequenceComparer.Compare(m, runs);
        bool found = !verdict.Agrees;
        if (verdict.Has(FuzzCategory.Rounds))
        {
            // Rounds may carry the host's noise: judged again over the min..max of more runs.
            for (int r = 0; r < FuzzOptions.RoundsReruns; r++)
            {
                runs.Add(native.Run(scenario));
            }

            verdict = SequenceComparer.Compare(m, runs);
        }

        // The other categories do not depend on timing: a difference must show again.
        var deterministic = verdict.Mismatches.Where(x => x.Category != FuzzCategory.Rounds).Select(x => x.Category).ToHashSet();
        if (deterministic.Count == 0)
        {
            return new FuzzEvaluation(verdict, found);
        }

        SequenceVerdict again = SequenceComparer.Compare(m, [native.Run(scenario)]);
        var gone = verdict.Mismatches.Where(x => deterministic.Contains(x.Category) && !again.Has(x.Category)).ToList();
        return new FuzzEvaluation(verdict with { Mismatches = verdict.Mismatches.Except(gone).ToList() }, found) { NotReproduced = gone };
    }

    private void ShrinkAndSave(FuzzSummary summary, SwarmScenario sequence, ulong seed, int index, FuzzCategory category)
    {
        SwarmScenario shrunk = SequenceCanon.Rename(SequenceShrinker.Shrink(sequence, c => StillFails(c, category), options.ShrinkBudget));
        string body = SequenceCanon.Body(shrunk);
        if (!_bodies.Add(body))
        {
            summary.Duplicates++;
            return;
        }

        SequenceVerdict verdict = Evaluate(shrunk).Verdict;
        var header = new List<string>
        {
            $"mmugather validate --generate: a {Name(category)} mismatch between the model and this host, shrunk",
            $"seed {seed} (sequence {index} of --seed {options.Seed}); {Count(sequence)} step(s) shrunk to {Count(shrunk)}",
            "both sides' values (model, native) per mismatching step, lines as in this file:",
        };
        var mismatches = verdict.Mismatches.Where(m => m.Category == category).ToList();
        int offset = header.Count + mismatches.Count;
        var details = mismatches.Select(m => m.Describe(offset)).ToList();
        header.AddRange(details.Select(d => "  " + d));
        Directory.CreateDirectory(options.OutDir);
        string path = Path.Combine(options.OutDir, string.Create(CultureInfo.InvariantCulture, $"fuzz-{seed}-{Name(category)}.yaml"));
        File.WriteAllText(path, SequenceGenerator.Render(shrunk with { Name = $"fuzz-{seed}-{Name(category)}" }, header));
        summary.Saved.Add(new FuzzSaved(path, seed, category, Count(sequence), Count(shrunk), details));
    }

    /// <summary>What a side throws when a run fails (the model refuses a run, the host breaks); a refusal is not one.</summary>
    public static bool IsRunFailure(Exception e) =>
        e is ScenarioException or InvalidOperationException or IOException or ArgumentException or NotImplementedException;

    private string SaveFailure(SwarmScenario sequence, ulong seed, Exception e)
    {
        Directory.CreateDirectory(options.OutDir);
        string path = Path.Combine(options.OutDir, string.Create(CultureInfo.InvariantCulture, $"fuzz-{seed}-error.yaml"));
        string[] header = ["mmugather validate --generate: this sequence made a side fail (not a mismatch)", $"seed {seed}: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}"];
        File.WriteAllText(path, SequenceGenerator.Render(sequence, header));
        return path;
    }

    /// <summary>A shrink candidate that breaks a side (an exception) does not count as still failing.</summary>
    private bool StillFails(SwarmScenario candidate, FuzzCategory category)
    {
        try
        {
            return Evaluate(candidate).Verdict.Has(category);
        }
        catch (Exception e) when (e is NativeRefusedException || IsRunFailure(e))
        {
            return false;
        }
    }

    private void Progress(FuzzSummary s, int done)
    {
        TimeSpan now = _clock.Elapsed;
        if (now - _lastProgress < options.ProgressEvery)
        {
            return;
        }

        _lastProgress = now;
        double rate = done / Math.Max(now.TotalSeconds, 1e-9);
        progress.Write(string.Create(CultureInfo.InvariantCulture, $"validate --generate: {done}/{options.Sequences} sequences, {rate:F1}/s, {s.Left} mismatch(es), {s.Saved.Count} saved\n"));
    }

    public static string Name(FuzzCategory c) => c.ToString().ToLowerInvariant();

    private static int Count(SwarmScenario s) => s.Processes.Sum(p => p.Threads.Sum(t => t.Steps.Count));
}
