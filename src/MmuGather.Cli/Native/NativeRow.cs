using System.Globalization;
using System.Text;
using System.Text.Json;
using MmuGather.Scenarios;

namespace MmuGather.Cli.Native;

/// <summary>One row of the report: a step, summarised over the repetitions.</summary>
/// <remarks><c>PagesReleased</c>: the worker's resident pages before the step minus after it (the whole Rss for a process exit); <c>Footprint</c>: its resident pages before the first step.</remarks>
internal sealed record NativeRow(string Thread, int Cpu, string Op, int Line, Spread FlushRounds, Spread MinorFaults, Spread WallUs, Spread NoiseFlushRounds, Spread NoiseMinorFaults, string Outcome, Spread PagesReleased, Spread Footprint, Spread TlbIpis, Spread NoiseTlbIpis);
