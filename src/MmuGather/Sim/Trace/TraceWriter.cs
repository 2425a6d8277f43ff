using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MmuGather.Sim.Trace;

/// <summary>
/// Prints a <see cref="TraceRecorder"/>'s events as Chrome trace-event JSON
/// (<c>{"traceEvents": [...], "displayTimeUnit": "ns", "otherData": {...}}</c>), which
/// ui.perfetto.dev and chrome://tracing open: process 1 "machine", one thread track per CPU
/// (tid = CPU + 1, named "CPU0".., because viewers treat tid 0 as the idle task).
/// Timestamps are microseconds of virtual time (cycles / cycles-per-ns / 1000) rounded to the
/// picosecond, printed invariantly; a slice's duration is the difference of its rounded ends,
/// so nested slices stay nested. The same events and metadata give the same bytes.
/// </summary>
public static class TraceWriter
{
    /// <summary>Flush to the stream every so many events, so a large trace is not held twice in memory.</summary>
    private const int FlushEvery = 4096;

    private const int Pid = 1;

    private static readonly JsonWriterOptions s_options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// Finishes <paramref name="recorder"/> and writes its trace to <paramref name="output"/>;
    /// <paramref name="metadata"/> (the run's scenario, seed, strategy, outcome) goes into
    /// <c>otherData</c> after the recorder's own fields (event count, cap, truncation).
    /// </summary>
    public static void Write(TraceRecorder recorder, Stream output, IReadOnlyList<KeyValuePair<string, string>> metadata)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(metadata);
        recorder.Finish();
        using var w = new Utf8JsonWriter(output, s_options);
        w.WriteStartObject();
        w.WriteStartArray("traceEvents");
        WriteTrackNames(w, recorder.CpuCount);
        var clock = new TraceClock(recorder.CyclesPerNs);
        for (int i = 0; i < recorder.Events.Count; i++)
        {
            WriteEvent(w, recorder.Events[i], clock);
            if (i % FlushEvery == FlushEvery - 1)
            {
                w.Flush();
            }
        }

        w.WriteEndArray();
        w.WriteString("displayTimeUnit", "ns");
        WriteOtherData(w, recorder, metadata);
        w.WriteEndObject();
    }

    private static void WriteTrackNames(Utf8JsonWriter w, int cpus)
    {
        WriteMetadataEvent(w, "process_name", Tid(0), "name", "machine");
        for (int cpu = 0; cpu < cpus; cpu++)
        {
            WriteMetadataEvent(w, "thread_name", Tid(cpu), "name", string.Create(CultureInfo.InvariantCulture, $"CPU{cpu}"));
            w.WriteStartObject();
            w.WriteString("name", "thread_sort_index");
            w.WriteString("ph", "M");
            w.WriteNumber("pid", Pid);
            w.WriteNumber("tid", Tid(cpu));
            w.WriteStartObject("args");
            w.WriteNumber("sort_index", cpu);
            w.WriteEndObject();
            w.WriteEndObject();
        }
    }

    private static void WriteMetadataEvent(Utf8JsonWriter w, string name, int tid, string key, string value)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("ph", "M");
        w.WriteNumber("pid", Pid);
        w.WriteNumber("tid", tid);
        w.WriteStartObject("args");
        w.WriteString(key, value);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteEvent(Utf8JsonWriter w, TraceEvent e, TraceClock clock)
    {
        w.WriteStartObject();
        w.WriteString("name", e.Name);
        w.WriteString("cat", e.Category);
        decimal start = clock.Microseconds(e.Start);
        if (e.Phase == TracePhase.Complete)
        {
            w.WriteString("ph", "X");
            w.WriteNumber("ts", TraceClock.Normalize(start));
            w.WriteNumber("dur", TraceClock.Normalize(clock.Microseconds(e.End) - start));
        }
        else
        {
            w.WriteString("ph", "i");
            w.WriteString("s", "t");
            w.WriteNumber("ts", TraceClock.Normalize(start));
        }

        w.WriteNumber("pid", Pid);
        w.WriteNumber("tid", Tid(e.Cpu));
        WriteArgs(w, e.Args);
        w.WriteEndObject();
    }

    private static void WriteArgs(Utf8JsonWriter w, IReadOnlyList<TraceArg> args)
    {
        if (args.Count == 0)
        {
            return;
        }

        w.WriteStartObject("args");
        foreach (TraceArg arg in args)
        {
            switch (arg.Value)
            {
                case long n:
                    w.WriteNumber(arg.Key, n);
                    break;
                case bool b:
                    w.WriteBoolean(arg.Key, b);
                    break;
                default:
                    w.WriteString(arg.Key, Convert.ToString(arg.Value, CultureInfo.InvariantCulture));
                    break;
            }
        }

        w.WriteEndObject();
    }

    private static void WriteOtherData(Utf8JsonWriter w, TraceRecorder recorder, IReadOnlyList<KeyValuePair<string, string>> metadata)
    {
        w.WriteStartObject("otherData");
        w.WriteString("clock", string.Create(CultureInfo.InvariantCulture, $"virtual cycles of each CPU, {recorder.CyclesPerNs} per ns"));
        w.WriteString("events", Invariant(recorder.Events.Count));
        w.WriteString("max_events", Invariant(recorder.MaxEvents));
        w.WriteString("truncated", recorder.Truncated ? "true" : "false");
        w.WriteString("dropped_events", Invariant(recorder.DroppedEvents));
        foreach ((string key, string value) in metadata)
        {
            w.WriteString(key, value);
        }

        w.WriteEndObject();
    }

    private static int Tid(int cpu) => cpu + 1;

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
