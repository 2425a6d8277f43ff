using System.Globalization;
using System.Text;
using System.Text.Json;
using MmuGather.Scenarios;

namespace MmuGather.Cli.Native;

/// <summary>One row of the report: a step, summarised over the repetitions.</summary>
internal sealed record NativeRow(string Thread, int Cpu, string Op, int Line, Spread FlushRounds, Spread MinorFaults, Spread WallUs, Spread NoiseFlushRounds, Spread NoiseMinorFaults, string Outcome);
