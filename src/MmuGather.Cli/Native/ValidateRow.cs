using System.Globalization;
using System.Text;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Cli.Native;

/// <summary>One step side by side; <see cref="Model"/> or <see cref="Native"/> is null when only the other side ran it.</summary>
internal sealed record ValidateRow(string Thread, int Cpu, string Op, int Line, StepResult? Model, NativeRow? Native, bool Agrees)
{
    /// <summary>For a process exit: the model's rounds with the worker's footprint added (smallest..largest measured).</summary>
    public (long Min, long Max)? ModelTeardown { get; init; }

    /// <summary>The model's rounds as judged: the step's, or for a process exit those with the footprint.</summary>
    public string ModelRounds => Model is null
        ? "-"
        : ModelTeardown is { } t
            ? string.Create(CultureInfo.InvariantCulture, $"{(t.Min == t.Max ? $"{t.Min}" : $"{t.Min}..{t.Max}")} (bare {Model.RemoteFlushRounds})")
            : Model.RemoteFlushRounds.ToString(CultureInfo.InvariantCulture);

    /// <summary>The native range the model's rounds must lie in: min..max widened by the idle noise.</summary>
    public string Allowed => Native is null
        ? "-"
        : string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, Native.FlushRounds.Min - Native.NoiseFlushRounds.Max)}..{Native.FlushRounds.Max + Native.NoiseFlushRounds.Max}");
}
