using MmuGather.Cli.Native.Fuzz;
using MmuGather.Scenarios;

namespace MmuGather.Tests.Native;

/// <summary>
/// A stand-in for the host's side: the model, with each observation passed through
/// <c>edit</c> (the run number, from 0, lets a fake be noisy). The identity is a host that
/// agrees with the model everywhere; the breakages below each break one category.
/// </summary>
internal sealed class FuzzFakeRunner(Func<StepObservation, int, StepObservation> edit) : ISequenceRunner
{
    private readonly ModelSequenceRunner _model = new();
    private int _runs;

    public static FuzzFakeRunner Faithful() => new((o, _) => o);

    /// <summary>One flush round more on every munmap.</summary>
    public static FuzzFakeRunner ExtraRoundOnMunmap() => new((o, _) => o.Op == "munmap" ? o with { FlushRounds = o.FlushRounds + 1 } : o);

    /// <summary>Every touch that succeeds in the model takes SIGSEGV.</summary>
    public static FuzzFakeRunner SegvOnTouch() => new((o, _) => o.Access == "ok" ? o with { Access = "segv" } : o);

    /// <summary>File mappings shown as anonymous memory.</summary>
    public static FuzzFakeRunner FileAsAnon() => new((o, _) => o with { Layout = [.. o.Layout.Select(v => v with { File = false })] });

    /// <summary>The first page of every region flipped between resident and not.</summary>
    public static FuzzFakeRunner FlipFirstPage() => new((o, _) => o with { Resident = o.Resident.ToDictionary(kv => kv.Key, kv => Flip(kv.Value)) });

    /// <summary>One round more on munmaps in the first run only: noise the re-runs explain.</summary>
    public static FuzzFakeRunner NoisyFirstRun() => new((o, run) => run == 0 && o.Op == "munmap" ? o with { FlushRounds = o.FlushRounds + 1 } : o);

    /// <summary>The first page of every region flipped in the first run only: a host that varies.</summary>
    public static FuzzFakeRunner FlipFirstPageInFirstRun() => new((o, run) => run == 0 ? o with { Resident = o.Resident.ToDictionary(kv => kv.Key, kv => Flip(kv.Value)) } : o);

    public IReadOnlyList<StepObservation> Run(Scenario scenario)
    {
        int run = _runs++;
        return [.. _model.Run(scenario).Select(o => edit(o, run))];
    }

    public void Dispose() => _model.Dispose();

    private static string Flip(string pages) =>
        pages.Length == 0 || pages[0] == '-' ? pages : (pages[0] == '1' ? "0" : "1") + pages[1..];
}
