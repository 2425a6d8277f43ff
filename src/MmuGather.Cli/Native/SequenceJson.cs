using System.Text.Json.Serialization;

namespace MmuGather.Cli.Native;

/// <summary>Source-generated JSON for the sequence worker's observation lines (no reflection in the worker).</summary>
[JsonSerializable(typeof(ObservationLine))]
internal sealed partial class SequenceJson : JsonSerializerContext;
