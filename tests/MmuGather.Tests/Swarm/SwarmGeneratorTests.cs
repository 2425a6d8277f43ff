using MmuGather.Scenarios;
using MmuGather.Swarm;

namespace MmuGather.Tests.Swarm;

/// <summary>The generator: valid, deterministic, and covering every back-end, step kind and feature of the format.</summary>
public class SwarmGeneratorTests
{
    private static readonly List<SwarmScenario> s_first = [.. Enumerable.Range(0, 150).Select(i => SwarmGenerator.Generate(8, i))];

    [Fact]
    public void SameSeedSameScenariosByteForByte()
    {
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(SwarmYaml.Render(SwarmGenerator.Generate(42, i)), SwarmYaml.Render(SwarmGenerator.Generate(42, i)));
        }

        Assert.NotEqual(SwarmYaml.Render(SwarmGenerator.Generate(42, 3)), SwarmYaml.Render(SwarmGenerator.Generate(43, 3)));
    }

    [Fact]
    public void EveryGeneratedScenarioParses()
    {
        foreach (SwarmScenario s in s_first)
        {
            string yaml = SwarmYaml.Render(s);
            var ex = Record.Exception(() => ScenarioParser.Parse(yaml, "swarm.yaml"));
            Assert.True(ex is null, $"{ex?.Message}\n{yaml}");
        }
    }

    [Fact]
    public void CoversEveryArchitecture()
    {
        Assert.Equal(9, SwarmGenerator.Arches.Count);
        Assert.Equal(ScenarioParser.KnownArchitectures.Order(StringComparer.Ordinal), SwarmGenerator.Arches);
        Assert.Equal(SwarmGenerator.Arches.ToHashSet(), s_first.Select(s => s.Machine.Arch).ToHashSet());
    }

    [Fact]
    public void CoversEveryStepKindAndOption()
    {
        string all = string.Concat(s_first.Select(s => SwarmYaml.Render(s)));
        string[] wanted =
        [
            "mmap:", "munmap:", "madvise:", "touch:", "gup_fast:", "writeback:", "- spin\n", "- exit\n", "- exit_group\n", "mremap:", "may_move: true",
            "populate: true", "kind: file-shared", "kind: file-private", "thp: true", "write: true", "repeat:",
            "offset:", "length:", "cpus: [", "tlb: {", "walk_cache: {", "gather: percpu-2.6", "gather: current",
            "site: user-page", "site: page-table", "site: gather-batch", "site: table-batch", "name: p2",
        ];
        foreach (string w in wanted)
        {
            Assert.Contains(w, all, StringComparison.Ordinal);
        }

        Assert.Equal(Enum.GetValues<SwarmStepKind>().ToHashSet(), s_first.SelectMany(Steps).Select(s => s.Kind).ToHashSet());
    }

    [Fact]
    public void ReusesNamesAfterMunmapAndRacesThreadsOnOneRegion()
    {
        Assert.Contains(s_first, s => s.Processes.Any(UsesNameAfterMunmap));
        Assert.Contains(s_first, s => s.Processes.Any(OtherThreadZapsRegion));
    }

    [Fact]
    public void ThpProcessesKeepEveryRangeOn2MiB()
    {
        foreach (SwarmProcess p in s_first.SelectMany(s => s.Processes).Where(p => p.Threads.Any(t => t.Steps.Any(x => x.Thp))))
        {
            Assert.Equal(SwarmGenerator.HugeUnit, p.Unit);
            foreach (SwarmStep step in p.Threads.SelectMany(t => t.Steps))
            {
                Assert.Equal(0UL, (step.Offset ?? 0) % SwarmGenerator.HugeUnit);
                Assert.Equal(0UL, (step.Length ?? 0) % SwarmGenerator.HugeUnit);
            }
        }
    }

    [Fact]
    public void NoFileMappingUnderThePerCpuGather()
    {
        Assert.DoesNotContain(s_first, s => s.Gather == "percpu-2.6" && s.Processes.SelectMany(p => p.Threads).SelectMany(t => t.Steps).Any(x => x.MapKind != "anon"));
    }

    private static IEnumerable<SwarmStep> Steps(SwarmScenario s) => s.Processes.SelectMany(p => p.Threads).SelectMany(t => t.Steps);

    private static bool UsesNameAfterMunmap(SwarmProcess p)
    {
        var unmapped = new HashSet<string>(StringComparer.Ordinal);
        foreach (SwarmStep step in p.Threads.SelectMany(t => t.Steps))
        {
            if (step.IsRange && unmapped.Contains(step.Region))
            {
                return true;
            }

            if (step.Kind == SwarmStepKind.Munmap)
            {
                unmapped.Add(step.Region);
            }
        }

        return false;
    }

    private static bool OtherThreadZapsRegion(SwarmProcess p)
    {
        var owner = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int t = 0; t < p.Threads.Count; t++)
        {
            foreach (SwarmStep step in p.Threads[t].Steps)
            {
                if (step.Kind == SwarmStepKind.Mmap)
                {
                    owner[step.Region] = t;
                }
                else if (step.Kind is SwarmStepKind.Munmap or SwarmStepKind.Madvise && owner[step.Region] != t)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
