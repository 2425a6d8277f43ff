using System.Diagnostics;
using System.Globalization;
using MmuGather.Scenarios;

namespace MmuGather.Cli.Native;

/// <summary>One measured step of one repetition.</summary>
internal sealed record NativeSample(int Thread, int StepIndex, long FlushRounds, long MinorFaults, long WallNs, long NoiseFlushRounds, long NoiseMinorFaults, string Outcome);
