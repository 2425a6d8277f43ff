using System.Globalization;
using System.Text;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Cli.Native;

/// <summary>One step side by side; <see cref="Model"/> or <see cref="Native"/> is null when only the other side ran it.</summary>
internal sealed record ValidateRow(string Thread, int Cpu, string Op, int Line, StepResult? Model, NativeRow? Native, bool Agrees)
{
    /// <summary>The native range the model's rounds must lie in: min..max widened by the idle noise.</summary>
    public string Allowed => Native is null
        ? "-"
        : string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, Native.FlushRounds.Min - Native.NoiseFlushRounds.Max)}..{Native.FlushRounds.Max + Native.NoiseFlushRounds.Max}");
}
