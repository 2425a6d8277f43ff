using MmuGather.Mm;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Tests.Mm;

/// <summary>
/// fork (Mm/Fork.cs): dup_mmap and copy_page_range as Linux 6.18 does them, and the
/// copy-on-write faults that follow in either process.
/// </summary>
public class ForkTests
{
    /// <summary>The parent populates <c>buf</c>, forks and its child keeps the mm alive by spinning.</summary>
    private static string ForkOf(string mmaps, string child = "- spin", string afterFork = "", string kernel = "") => $$"""
        name: fork
        machine: { arch: x86, cpus: 2 }
        {{kernel}}
        processes:
          - name: parent
            threads:
              - cpu: 0
                steps:
                  {{Indent(mmaps, 10)}}
                  - fork: { child: child }
                  {{Indent(afterFork, 10)}}
          - name: child
            forked_from: parent
            threads:
              - cpu: 1
                steps:
                  {{Indent(child, 10)}}
        """;

    [Fact]
    public void ParentAndChildMapTheSamePagesReadOnlyWithRefsAndMapsCounted()
    {
        const int pages = 16;
        var seen = new List<(ulong Parent, ulong Child, int Refs, int Maps)>();
        Simulation sim = Build(ForkOf($"- mmap: {{ name: buf, length: {pages * 4}KiB, populate: true }}"));
        sim.StepDone = (t, r) =>
        {
            if (r.Op != "fork")
            {
                return;
            }

            SimProcess child = t.Process.Children["child"];
            Region buf = t.Process.Regions["buf"];
            for (ulong va = buf.Start; va < buf.Start + buf.Length; va += 4096)
            {
                ulong p = LeafOf(sim.Kernel, t.Process.Mm, va);
                seen.Add((p, LeafOf(sim.Kernel, child.Mm, va), sim.Machine.Memory.RefCount(Pte.Pfn(p)), sim.Machine.Memory.MapCount(Pte.Pfn(p))));
            }
        };

        RunResult result = sim.Run();

        Assert.Equal(pages, seen.Count);
        Assert.All(seen, e =>
        {
            Assert.True(Pte.Present(e.Parent) && Pte.Present(e.Child));
            Assert.Equal(Pte.Pfn(e.Parent), Pte.Pfn(e.Child));
            Assert.False(Pte.Write(e.Parent), "the parent's entry is still writable");
            Assert.False(Pte.Write(e.Child), "the child's entry is writable");
            Assert.False(Pte.Young(e.Child), "the child's entry is not old");
            Assert.Equal((2, 2), (e.Refs, e.Maps));
        });
        Assert.Empty(result.Violations);
        Assert.Equal(pages, result.Counters["pages_freed"] + result.Teardown["pages_freed"]);
    }

    [Fact]
    public void SharedFileAndZeroPageOnlyMappingsAreNotCopiedTheChildFaultsThemIn()
    {
        var childEntries = new List<ulong>();
        Simulation sim = Build(ForkOf("""
            - mmap: { name: file, length: 16KiB, kind: file-shared, populate: true }
            - mmap: { name: zero, length: 16KiB }
            - touch: { region: zero }
            """));
        sim.StepDone = (t, r) =>
        {
            if (r.Op == "fork")
            {
                SimProcess child = t.Process.Children["child"];
                childEntries.AddRange(t.Process.Regions.Values.Select(region => LeafOf(sim.Kernel, child.Mm, region.Start)));
            }
        };

        RunResult result = sim.Run();

        Assert.Equal(2, childEntries.Count);
        Assert.All(childEntries, e => Assert.True(Pte.None(e), $"entry 0x{e:x} was copied: vma_needs_copy is false without an anon_vma"));
        Assert.Empty(result.Violations);
    }

    [Fact]
    public void TheZeroPageIsSharedWithoutAReferenceWhereTheVmaHasAnAnonVma()
    {
        int childPfn = -1;
        Simulation sim = Build(ForkOf("""
            - mmap: { name: buf, length: 8KiB }
            - touch: { region: buf, length: 4KiB, write: true }
            - touch: { region: buf, offset: 4KiB }
            """));
        sim.StepDone = (t, r) =>
        {
            if (r.Op == "fork")
            {
                childPfn = Pte.Pfn(LeafOf(sim.Kernel, t.Process.Children["child"].Mm, t.Process.Regions["buf"].Start + 4096));
            }
        };

        RunResult result = sim.Run();

        Assert.Equal(sim.Kernel.ZeroPfn, childPfn);
        Assert.Empty(result.Violations);
    }

    [Fact]
    public void CopyOnWriteCopiesWhileSharedAndReusesOnceMappedOnceAgain()
    {
        // Both write the first half, only the parent the second, and the child exits. A page
        // is copied by whichever process writes it first while both map it; the other then
        // finds it mapped once and reuses it. The parent's second half is copied only while
        // the child still lives; and two racing first writes both copy (each saw the page
        // mapped twice), freeing the original: 8 to 24 copies, as the interleaving decides.
        string yaml = ForkOf(
            "- mmap: { name: buf, length: 64KiB, populate: true }",
            child: "- touch: { region: buf, write: true, length: 32KiB }\n- exit",
            afterFork: "- touch: { region: buf, write: true }");
        var copies = new HashSet<long>();
        for (ulong seed = 1; seed <= 40; seed++)
        {
            RunResult r = ScenarioRunner.Run(TestScenarios.Parse(yaml), seed, settings: new RunSettings { Strategy = Strategies.Random });

            Assert.Empty(r.Violations);
            copies.Add(r.Counters["pages_freed"] + r.Teardown["pages_freed"] - 16); // every page is freed once: the originals and the copies
        }

        Assert.All(copies, c => Assert.InRange(c, 8, 24));
        Assert.True(copies.Count > 1, $"every interleaving made {string.Join(", ", copies)} copies: reuse and copy were not both exercised");
    }

    [Fact]
    public void AHugePmdIsWriteProtectedInBothAndReusedWhenMappedOnceAgain()
    {
        var pmds = new List<(ulong Parent, ulong Child, int Maps)>();
        Simulation sim = Build(ForkOf(
            "- mmap: { name: huge, length: 2MiB, populate: true, thp: true }",
            child: "- exit",
            afterFork: "- munmap: { region: huge, length: 2MiB }"));
        sim.StepDone = (t, r) =>
        {
            if (r.Op == "fork")
            {
                ulong va = t.Process.Regions["huge"].Start;
                ulong p = LeafOf(sim.Kernel, t.Process.Mm, va);
                pmds.Add((p, LeafOf(sim.Kernel, t.Process.Children["child"].Mm, va), sim.Machine.Memory.MapCount(Pte.Pfn(p))));
            }
        };

        RunResult result = sim.Run();

        (ulong parent, ulong child, int maps) = Assert.Single(pmds);
        Assert.True(Pte.TransHuge(parent) && Pte.TransHuge(child));
        Assert.False(Pte.Write(parent) || Pte.Write(child));
        Assert.Equal(2, maps);
        Assert.Empty(result.Violations);
        Assert.Equal(512, result.Counters["pages_freed"] + result.Teardown["pages_freed"]);
    }

    [Fact]
    public void AWriteToAHugePageStillSharedIsRefusedNotGuessed()
    {
        string yaml = ForkOf(
            "- mmap: { name: huge, length: 2MiB, populate: true, thp: true }",
            child: "- touch: { region: huge, write: true }");

        var e = Assert.Throws<ScenarioException>(() => TestScenarios.Run(yaml));

        Assert.Contains("split_huge_pmd", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AChildWhoseForkNeverComesExitsAndIsCountedNotStarted()
    {
        RunResult result = TestScenarios.Run(ForkOf("- mmap: { name: buf, length: 4KiB, populate: true }\n- exit"));

        Assert.Equal(1, result.Counters["processes_not_started"]);
        Assert.DoesNotContain(result.Steps, s => s.Thread.StartsWith("child", StringComparison.Ordinal));
        Assert.Empty(result.Violations);
    }

    /// <summary>
    /// The parent's sibling spins on CPU 1 (it maps <c>go</c>, unpopulated, once it runs there;
    /// the forking thread waits for that) and the child exits at once. <paramref name="buf"/>
    /// is what the parent maps first.
    /// </summary>
    private static string WithSpinningSibling(string api, string buf) => $$"""
        name: fork-{{api}}
        machine: { arch: x86, cpus: 2 }
        kernel: { flush_api: {{api}} }
        processes:
          - name: parent
            threads:
              - cpu: 1
                steps:
                  - mmap: { name: go, length: 4KiB, kind: file-shared }
                  - spin
              - cpu: 0
                steps:
                  - {{buf}}
                  - touch: { region: go }
                  - fork: { child: child }
          - name: child
            forked_from: parent
            threads:
              - cpu: 0
                steps:
                  - exit
        """;

    [Theory]
    [InlineData("linux", 1, 1)]
    [InlineData("gather", 1, 0)]
    public void TheFlushApiDecidesHowTheParentIsFlushed(string api, long roundsAfterWrites, long roundsWithNothingProtected)
    {
        // Linux's flush_tlb_mm flushes the whole mm even when fork write-protected nothing; the
        // gather flushes the range it recorded, so nothing when nothing was recorded.
        RunResult written = TestScenarios.Run(WithSpinningSibling(api, "mmap: { name: buf, length: 16KiB, populate: true }"));
        RunResult shared = TestScenarios.Run(WithSpinningSibling(api, "mmap: { name: buf, length: 16KiB, populate: true, kind: file-shared }"));

        Assert.Empty(written.Violations.Concat(shared.Violations));
        Assert.Equal(roundsAfterWrites, TestScenarios.StepOf(written, "fork").RemoteFlushRounds);
        Assert.Equal(roundsWithNothingProtected, TestScenarios.StepOf(shared, "fork").RemoteFlushRounds);
        Assert.Equal(api == "linux" ? 1 : 0, written.Counters["direct_flushes"]);
    }

    [Fact]
    public void APagePinnedWhenForkLooksIsCopiedForTheChildAndGupFastNeverKeepsASharedPin()
    {
        // gup_fast pins the buffer on CPU 1 while thread 0 forks: where fork finds a page
        // pinned it copies it for the child (copy_present_page) and the parent keeps it
        // writable; where gup_fast overlaps the copy it drops its pins (write_protect_seq).
        Scenario s = ScenarioParser.ParseFile(Cli.RepositoryRoot.Combine("scenarios/bugs/gup-fast-fork-race.yaml"));
        s = s with { Kernel = s.Kernel with { Bugs = [] } };
        long copies = 0;
        for (ulong seed = 1; seed <= 150; seed++)
        {
            RunResult r = ScenarioRunner.Run(s, seed, settings: new RunSettings { Strategy = Strategies.Random });

            Assert.Empty(r.Violations);
            copies += r.Counters["fork_pinned_copies"];
        }

        Assert.True(copies > 0, "fork never found a pinned page");
    }

    [Theory]
    [InlineData(6)] // the child's PUD table
    [InlineData(7)] // its PMD table
    [InlineData(8)] // its PTE table
    public void AForkThatRunsOutOfPageTablesFailsAndLeavesNothingBehind(int nth)
    {
        // Page-table allocations: the parent's pgd, the child's (made with the run), then the
        // parent's PUD, PMD and PTE tables for buf; the fork's come after.
        string yaml = ForkOf(
            "- mmap: { name: buf, length: 64KiB, populate: true }",
            child: "- touch: { region: buf, write: true }",
            afterFork: "- touch: { region: buf, write: true }")
            .Replace("machine: { arch: x86, cpus: 2 }", $"machine: {{ arch: x86, cpus: 2, fail_alloc: [{{ site: page-table, nth: {nth} }}] }}", StringComparison.Ordinal);

        RunResult r = TestScenarios.Run(yaml);

        Assert.Empty(r.Violations); // the leak checker among them: the child's partial copy is torn down
        Assert.Equal(1, r.Counters["processes_not_started"]);
        Assert.DoesNotContain(r.Steps, s => s.Thread.StartsWith("child", StringComparison.Ordinal));
        Assert.Equal(16, r.Counters["pages_freed"] + r.Teardown["pages_freed"]);
    }

    internal static Simulation Build(string yaml) => ScenarioRunner.Build(TestScenarios.Parse(yaml));

    /// <summary>The leaf entry mapping va in mm (a huge PMD, or a PTE), or 0.</summary>
    internal static ulong LeafOf(Kernel k, MmStruct mm, ulong va)
    {
        PtDesc table = mm.Pgd;
        while (true)
        {
            ulong e = table.Entries[k.Geometry.Index(va, table.Level)];
            if (table.Level == PageLevel.Pte || !Pte.Present(e) || Pte.TransHuge(e))
            {
                return e;
            }

            table = k.TableOf(e);
        }
    }

    private static string Indent(string lines, int spaces) =>
        string.Join("\n" + new string(' ', spaces), lines.Split('\n', StringSplitOptions.RemoveEmptyEntries)).TrimEnd();
}
