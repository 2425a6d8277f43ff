using System.Diagnostics;
using System.Globalization;
using MmuGather.Scenarios;

namespace MmuGather.Cli.Native;

/// <summary>
/// One measured step of one repetition. <c>RssBefore</c>/<c>RssAfter</c>: the worker's
/// resident pages around the step (after: 0 once the process is gone); <c>Footprint</c>: its
/// resident pages when it was ready, before the scenario's first step (the runtime's own).
/// </summary>
internal sealed record NativeSample(int Thread, int StepIndex, long FlushRounds, long MinorFaults, long WallNs, long NoiseFlushRounds, long NoiseMinorFaults, string Outcome, long RssBefore = 0, long RssAfter = 0, long Footprint = 0);
