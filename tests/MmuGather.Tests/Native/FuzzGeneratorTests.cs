using MmuGather.Cli.Native;
using MmuGather.Cli.Native.Fuzz;
using MmuGather.Scenarios;
using MmuGather.Swarm;

namespace MmuGather.Tests.Native;

/// <summary>The differential fuzzer's generator and the model's side of it.</summary>
public class FuzzGeneratorTests
{
    /// <summary>A host that refuses nothing: the scenario-side refusals alone are judged.</summary>
    internal static readonly NativeHost AnyHost = new(2, "test", 1, 1, "never", null);

    [Fact]
    public void SameSeedSameYamlByteForByte()
    {
        for (int i = 0; i < 100; i++)
        {
            ulong seed = SequenceGenerator.SeedOf(7, i);
            Assert.Equal(SequenceGenerator.Render(SequenceGenerator.Generate(seed)), SequenceGenerator.Render(SequenceGenerator.Generate(seed)));
        }

        Assert.NotEqual(SequenceGenerator.Render(SequenceGenerator.Generate(1)), SequenceGenerator.Render(SequenceGenerator.Generate(2)));
    }

    [Fact]
    public void EverySequenceParsesIsAcceptedAndRunsInTheModel()
    {
        using var model = new ModelSequenceRunner();
        for (int i = 0; i < 500; i++)
        {
            SwarmScenario s = SequenceGenerator.Generate(SequenceGenerator.SeedOf(1, i));
            string yaml = SequenceGenerator.Render(s);
            var ex = Record.Exception(() =>
            {
                Scenario scenario = SequenceGenerator.Parse(s);
                NativeRefusals.Check(scenario, AnyHost);
                IReadOnlyList<StepObservation> obs = model.Run(scenario);
                Assert.NotEmpty(obs);
            });
            Assert.True(ex is null, $"{ex}\n{yaml}");
        }
    }

    [Fact]
    public void SequencesHaveTheAskedShape()
    {
        var all = Enumerable.Range(0, 500).Select(i => SequenceGenerator.Generate(SequenceGenerator.SeedOf(3, i))).ToList();
        Assert.All(all, s =>
        {
            Assert.Equal("x86", s.Machine.Arch);
            Assert.Equal(2, s.Machine.Cpus);
            SwarmThread t0 = s.Processes.Single().Threads[0];
            Assert.InRange(t0.Steps.Count, 3, 12);
            Assert.Equal(SwarmStepKind.Mmap, t0.Steps[0].Kind);
            Assert.DoesNotContain(t0.Steps, x => x.Kind is SwarmStepKind.GupFast or SwarmStepKind.Writeback or SwarmStepKind.Exit or SwarmStepKind.Spin || x.Thp);
            if (s.Processes[0].Threads.Count == 2)
            {
                Assert.Equal([SwarmStepKind.Spin], s.Processes[0].Threads[1].Steps.Select(x => x.Kind));
            }
        });
        int spinners = all.Count(s => s.Processes[0].Threads.Count == 2);
        Assert.InRange(spinners, 180, 320);
        var steps = all.SelectMany(s => s.Processes[0].Threads[0].Steps).ToList();
        Assert.Equal(["anon", "file-private", "file-shared"], steps.Where(x => x.Kind == SwarmStepKind.Mmap).Select(x => x.MapKind).Distinct().Order(StringComparer.Ordinal));
        Assert.Contains(steps, x => x.Kind == SwarmStepKind.Mmap && x.Length == 513 * SequenceGenerator.Page);
        Assert.Contains(steps, x => x.Kind == SwarmStepKind.Touch && x.Offset is not null);
        Assert.Contains(steps, x => x.Kind == SwarmStepKind.Madvise && x.Length is not null);
    }

    [Fact]
    public void ModelObservesEveryStepAndSegvEndsTheThread()
    {
        const string yaml = """
            name: t
            machine: { arch: x86, cpus: 2 }
            processes:
              - name: app
                threads:
                  - cpu: 0
                    steps:
                      - mmap: { name: a, length: 16KiB, populate: true, kind: file-shared }
                      - munmap: { region: a, offset: 4KiB, length: 4KiB }
                      - touch: { region: a }
                      - touch: { region: a }
                  - cpu: 1
                    steps:
                      - spin
            """;
        using var model = new ModelSequenceRunner();
        IReadOnlyList<StepObservation> obs = model.Run(ScenarioParser.Parse(yaml, "t.yaml"));
        Assert.Equal(["mmap", "spin", "munmap", "touch"], obs.Select(o => o.Op));
        Assert.Equal("1111", obs[0].Resident["a"]);
        Assert.Equal("1-11", obs[2].Resident["a"]);
        Assert.Equal("segv", obs[3].Access);
        Assert.Equal(2, obs[2].Layout.Count);
        Assert.All(obs[2].Layout, v => Assert.Equal("rw-s", v.Perms));
        Assert.True(obs[2].Layout[0].File);
        Assert.Equal(obs[0].Layout[0].Start + 0x1000, obs[2].Layout[0].End);
        Assert.Equal(obs[0].Layout[0].End, obs[2].Layout[1].End);
    }
}
