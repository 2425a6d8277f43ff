using System.Globalization;
using System.Text;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Cli.Native;

/// <summary>One file: its rows, or the refusal line, or the failure.</summary>
internal sealed record ValidateFile(Scenario Scenario, IReadOnlyList<ValidateRow>? Rows, string? Refusal, string? Failure);
