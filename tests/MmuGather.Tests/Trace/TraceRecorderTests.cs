using System.Text;
using System.Text.Json;
using MmuGather.Scenarios;
using MmuGather.Sim;
using MmuGather.Sim.Trace;

namespace MmuGather.Tests.Trace;

/// <summary>
/// The trace recorder and writer: slices nest on every CPU's track, time never goes back on a
/// track, frees are batched, the event cap truncates and says so, and the same run gives the
/// same bytes.
/// </summary>
public sealed class TraceRecorderTests
{
    private static readonly string s_bug = TestScenarios.Munmap(16, spinner: true, bugs: "free-before-flush");

    public static TheoryData<string, ulong> Schedules() => new()
    {
        { Strategies.Turns, 1 },
        { Strategies.Time, 1 },
        { Strategies.Random, 1 },
        { Strategies.Random, 2 },
        { Strategies.Random, 3 },
        { Strategies.Pct, 1 },
        { Strategies.Pct, 2 },
    };

    [Theory]
    [MemberData(nameof(Schedules))]
    public void SlicesNestAndTimeNeverGoesBackOnATrack(string strategy, ulong seed)
    {
        foreach (string yaml in new[] { s_bug, TwoThreadsOnOneMm() })
        {
            TraceRecorder recorder = Record(yaml, seed, strategy);

            Assert.False(recorder.Truncated);
            for (int cpu = 0; cpu < recorder.CpuCount; cpu++)
            {
                TraceEvent[] track = [.. recorder.Events.Where(e => e.Cpu == cpu)];
                AssertNested(track);
                AssertStartsNeverGoBack(track);
            }
        }
    }

    [Fact]
    public void ConsecutiveFreesOnACpuAreOneSlice()
    {
        TraceRecorder recorder = Record(s_bug, 1, Strategies.Turns);

        TraceEvent[] frees = [.. recorder.Events.Where(e => e.Category == "free")];

        TraceEvent pages = Assert.Single(frees, e => e.Args.Contains(new TraceArg("User", 16L)));
        Assert.Contains(new TraceArg("frames", 16L), pages.Args);
        Assert.True(frees.Length < 8, $"{frees.Length} free slices");
    }

    [Fact]
    public void OperationsAndThreadsAreSlicesOnTheirCpu()
    {
        TraceRecorder recorder = Record(s_bug, 1, Strategies.Turns);

        TraceEvent munmap = Assert.Single(recorder.Events, e => e.Category == "operation" && e.Name == "munmap" && !e.Args.Any(a => a.Key == "continued"));
        Assert.Equal(0, munmap.Cpu);
        Assert.True(munmap.End > munmap.Start);
        Assert.Contains(recorder.Events, e => e.Category == "thread" && e.Name == "app/1" && e.Cpu == 1);
        Assert.Contains(recorder.Events, e => e.Category == "ipi" && e.Cpu == 1 && e.Name == "take TLB-flush IPI");
    }

    [Fact]
    public void TheCapTruncatesAndTheFileSaysSo()
    {
        TraceRecorder recorder = Record(s_bug, 1, Strategies.Random, maxEvents: 5);

        using JsonDocument json = JsonDocument.Parse(Write(recorder));

        Assert.True(recorder.Truncated);
        Assert.Equal(5, recorder.Events.Count);
        JsonElement other = json.RootElement.GetProperty("otherData");
        Assert.Equal("true", other.GetProperty("truncated").GetString());
        Assert.Equal(recorder.DroppedEvents.ToString(System.Globalization.CultureInfo.InvariantCulture), other.GetProperty("dropped_events").GetString());
        Assert.All(recorder.Events, e => Assert.True(e.End >= e.Start));
    }

    [Fact]
    public void SameRunGivesTheSameBytes()
    {
        byte[] first = Write(Record(s_bug, 7, Strategies.Random));
        byte[] second = Write(Record(s_bug, 7, Strategies.Random));

        Assert.Equal(first, second);
    }

    [Fact]
    public void TheWriterPrintsMicrosecondsOfVirtualTime()
    {
        TraceRecorder recorder = Record(s_bug, 1, Strategies.Turns);

        using JsonDocument json = JsonDocument.Parse(Write(recorder));

        TraceEvent first = recorder.Events[0];
        JsonElement written = json.RootElement.GetProperty("traceEvents").EnumerateArray().First(e => e.GetProperty("ph").GetString() != "M");
        Assert.Equal(first.Start / recorder.CyclesPerNs / 1000, written.GetProperty("ts").GetDouble(), 6);
        Assert.Equal(first.Cpu + 1, written.GetProperty("tid").GetInt32());
        Assert.Equal(1, written.GetProperty("pid").GetInt32());
    }

    [Theory]
    [InlineData(3000L, "1")]
    [InlineData(1L, "0.000333")]
    [InlineData(1500L, "0.5")]
    [InlineData(0L, "0")]
    public void ClockConvertsCyclesToMicroseconds(long cycles, string expected)
    {
        var clock = new TraceClock(3.0);

        decimal us = TraceClock.Normalize(clock.Microseconds(cycles));

        Assert.Equal(expected, us.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static TraceRecorder Record(string yaml, ulong seed, string strategy, int maxEvents = TraceRecorder.DefaultMaxEvents)
    {
        Simulation sim = ScenarioRunner.Build(TestScenarios.Parse(yaml), seed, RunSettings.Default with { Strategy = strategy, PctSteps = 300 });
        TraceRecorder recorder = TraceRecorder.Attach(sim, maxEvents);
        sim.Run();
        recorder.Finish();
        return recorder;
    }

    private static byte[] Write(TraceRecorder recorder)
    {
        using var stream = new MemoryStream();
        TraceWriter.Write(recorder, stream, [new("scenario", "test")]);
        return stream.ToArray();
    }

    /// <summary>Two threads of one process fault and unmap side by side, so mmap_lock is contended and held across switches.</summary>
    private static string TwoThreadsOnOneMm() => """
        name: two-threads
        machine: { arch: x86, cpus: 2 }
        processes:
          - name: app
            threads:
              - cpu: 0
                steps:
                  - mmap: { name: a, length: 64KiB, populate: true }
                  - touch: { region: a, write: true }
                  - munmap: { region: a }
              - cpu: 1
                steps:
                  - mmap: { name: b, length: 64KiB }
                  - touch: { region: b, write: true }
                  - madvise: { region: b, advice: dontneed }
                  - exit
        """;

    /// <summary>Any two slices of a track are disjoint or one holds the other.</summary>
    private static void AssertNested(TraceEvent[] track)
    {
        var stack = new Stack<TraceEvent>();
        foreach (TraceEvent e in track.Where(e => e.Phase == TracePhase.Complete).OrderBy(e => e.Start).ThenByDescending(e => e.End))
        {
            while (stack.Count > 0 && stack.Peek().End < e.End && stack.Peek().End <= e.Start)
            {
                stack.Pop();
            }

            Assert.True(stack.Count == 0 || e.End <= stack.Peek().End, Describe("overlaps", e, stack));
            stack.Push(e);
        }
    }

    private static void AssertStartsNeverGoBack(TraceEvent[] track)
    {
        for (int i = 1; i < track.Length; i++)
        {
            Assert.True(track[i].Start >= track[i - 1].Start, $"{track[i].Name} at {track[i].Start} after {track[i - 1].Name} at {track[i - 1].Start}");
        }
    }

    private static string Describe(string what, TraceEvent e, Stack<TraceEvent> stack)
    {
        var sb = new StringBuilder($"{e.Name} [{e.Start}, {e.End}] {what}");
        if (stack.Count > 0)
        {
            sb.Append($" {stack.Peek().Name} [{stack.Peek().Start}, {stack.Peek().End}]");
        }

        return sb.ToString();
    }
}
