using MmuGather.Explore;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Tests.Arch;

/// <summary>
/// The mprotect contract, on every back-end registered in <see cref="Architectures"/>: once a
/// downgrade has returned, no CPU can store through the entry it cached before (every later
/// store faults, counted as a SIGSEGV, and stale-permission stays silent), for 4 KiB pages,
/// PROT_NONE and whole huge pages, in file order and over explored interleavings.
/// </summary>
public class MprotectContractTests
{
    private static readonly (string Name, string Map, string Prot, long Segvs)[] s_cases =
    [
        ("read-only", "length: 64KiB, populate: true", "r", 2),
        ("none", "length: 64KiB, populate: true", "none", 2),
        ("thp", "length: 4MiB, populate: true, thp: true", "r", 2),
    ];

    public static IEnumerable<object[]> Cases() =>
        from arch in Architectures.Names
        from c in s_cases
        select new object[] { arch, c.Name };

    /// <summary>CPU1 stores (caching writable entries), CPU0 mprotects, then both store again; CPU2 runs the mm too.</summary>
    private static string Yaml(string arch, string map, string prot) => CacheScenarios.Yaml(
        arch,
        3,
        [
            [$"mmap: {{ name: b, {map} }}", $"mprotect: {{ region: b, prot: {prot} }}", "touch: { region: b, write: true }"],
            ["touch: { region: b, write: true }", "touch: { region: b, write: true }"],
            ["spin"],
        ],
        memory: "512MiB");

    [Theory]
    [MemberData(nameof(Cases))]
    public void ADowngradeLeavesNoCpuAbleToStoreThroughTheOldEntry(string arch, string name)
    {
        var (_, map, prot, segvs) = s_cases.Single(c => c.Name == name);

        RunResult r = ScenarioRunner.Run(TestScenarios.Parse(Yaml(arch, map, prot)));

        Assert.Empty(r.Violations);
        Assert.Equal(segvs, r.Counters["user_segv"]); // both stores after the return faulted
        Assert.Contains(r.Checked, c => c.Checker == "stale-permission" && c.Examined > 0);
    }

    [Theory]
    [MemberData(nameof(ArchNames.Names), MemberType = typeof(ArchNames))]
    public void NoInterleavingOfTheRaceLetsAStoreThrough(string arch)
    {
        Scenario s = TestScenarios.Parse(Yaml(arch, s_cases[0].Map, "r"));

        ExploreSummary sum = Explorer.Explore(s, new ExploreOptions { Runs = 60, BaseSeed = 7, Strategy = Strategies.Random, Jobs = 2 });

        Assert.Equal(60, sum.RunsDone);
        Assert.Equal(0, sum.RunsWithViolations);
        Assert.Equal(0, sum.RunsFailed);
    }

    /// <summary>
    /// Without the gather's flush (mprotect-no-flush) the store goes through, except where the
    /// PTE accessor invalidates by itself: s390's IPTE in ptep_modify_prot_start, and the hash
    /// table and TSB batches that powerpc hash and sparc64 drain (tlbie, demap) before the
    /// PTE lock is dropped. There the contract holds even so.
    /// </summary>
    [Theory]
    [MemberData(nameof(ArchNames.Names), MemberType = typeof(ArchNames))]
    public void WithoutTheGatherFlushOnlyArchitecturesThatInvalidateInTheAccessorKeepIt(string arch)
    {
        Scenario s = TestScenarios.Parse(Yaml(arch, s_cases[0].Map, "r"));
        Scenario broken = s with { Kernel = s.Kernel with { Bugs = ["mprotect-no-flush"] } };

        RunResult r = ScenarioRunner.Run(broken);

        bool invalidatesInAccessor = arch is "s390" or "ppc-hash" or "sparc64";
        Assert.Equal(!invalidatesInAccessor, r.Violations.Any(v => v.Checker == "stale-permission"));
    }
}

/// <summary>The registered back-ends as xUnit member data.</summary>
public static class ArchNames
{
    public static TheoryData<string> Names() => new(Architectures.Names);
}
