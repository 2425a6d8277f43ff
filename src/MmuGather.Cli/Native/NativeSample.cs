using System.Diagnostics;
using System.Globalization;
using MmuGather.Scenarios;

namespace MmuGather.Cli.Native;

/// <summary>
/// One measured step of one repetition. <c>RssBefore</c>/<c>RssAfter</c>: the worker's
/// resident pages around the step (after: 0 once the process is gone); <c>Footprint</c>: its
/// resident pages when it was ready, before the scenario's first step (the runtime's own);
/// <c>TlbIpis</c>: the TLB row of /proc/interrupts over the step (flush IPIs received, by
/// any CPU, for any process: system-wide), <c>NoiseTlbIpis</c> the same over the idle window.
/// </summary>
internal sealed record NativeSample(int Thread, int StepIndex, long FlushRounds, long MinorFaults, long WallNs, long NoiseFlushRounds, long NoiseMinorFaults, string Outcome, long RssBefore = 0, long RssAfter = 0, long Footprint = 0, long TlbIpis = 0, long NoiseTlbIpis = 0);
