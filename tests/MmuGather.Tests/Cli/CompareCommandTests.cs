using System.Text.Json;
using MmuGather.Cli;
using MmuGather.Sim;

namespace MmuGather.Tests.Cli;

/// <summary>
/// <c>compare</c>: one row per back-end in the order asked, every registered one by default,
/// the same figures as <c>run</c> of the same scenario on that back-end, data-driven extra
/// columns, JSON, exit codes and the errors of <c>--arch</c>.
/// </summary>
public sealed class CompareCommandTests
{
    private static readonly string Small = RepositoryRoot.Combine("scenarios/munmap-small.yaml");

    [Fact]
    public void ParsesTheArchitectureListInOrder()
    {
        Invocation i = ArgumentParser.Parse(["compare", "s.yaml", "--arch", "s390,x86", "--strategy=time", "--seed", "9", "--format", "json"]);

        Assert.Equal(CliCommand.Compare, i.Command);
        Assert.Equal("s.yaml", i.File);
        Assert.Equal(["s390", "x86"], i.Architectures);
        Assert.Equal("time", i.Strategy);
        Assert.Equal(9UL, i.Seed);
        Assert.Equal(OutputFormat.Json, i.Format);
    }

    [Fact]
    public void ForkHeavyShowsWhatTheSeedsGatherSavesAndCosts()
    {
        // docs/cost-model.md quotes these figures.
        CliRun run = CliHarness.Run("compare", RepositoryRoot.Combine("scenarios/fork-heavy.yaml"), "--arch", "x86,arm64", "--kernel-variant", "linux,gather", "--format", "json");

        Assert.Equal(0, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        var rows = json.RootElement.GetProperty("rows").EnumerateArray()
            .ToDictionary(r => $"{r.GetProperty("arch").GetString()} {r.GetProperty("kernel_variant").GetString()}", r => r.GetProperty("counters"));
        long C(string row, string counter) => rows[row].TryGetProperty(counter, out JsonElement v) ? v.GetInt64() : 0;
        Assert.Equal(37, C("x86 linux", "tlb_shootdown_ipis"));
        Assert.Equal(36, C("x86 gather", "tlb_shootdown_ipis")); // the fork that write-protected nothing flushed nothing
        Assert.Equal((5, 32), (C("x86 linux", "remote_full_flushes"), C("x86 linux", "remote_partial_flushes")));
        Assert.Equal((2, 34), (C("x86 gather", "remote_full_flushes"), C("x86 gather", "remote_partial_flushes")));
        Assert.Equal((97, 126), (C("arm64 linux", "broadcast_invalidations"), C("arm64 gather", "broadcast_invalidations")));
        Assert.Equal(C("x86 linux", "max_preempt_off_cycles"), C("x86 gather", "max_preempt_off_cycles"));
    }

    [Fact]
    public void KernelVariantsAreCrossedWithTheBackEndsAndEachRowRunsItsOwnKernel()
    {
        CliRun run = CliHarness.Run("compare", Small, "--arch", "x86,arm64", "--kernel-variant", "linux,percpu-2.6", "--format", "json");

        Assert.Equal(0, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        var rows = json.RootElement.GetProperty("rows").EnumerateArray()
            .Select(r => (Arch: r.GetProperty("arch").GetString()!, Variant: r.GetProperty("kernel_variant").GetString()!, Cycles: r.GetProperty("counters").GetProperty("virtual_cycles").GetInt64()))
            .ToList();
        Assert.Equal([("x86", "linux"), ("x86", "percpu-2.6"), ("arm64", "linux"), ("arm64", "percpu-2.6")], rows.Select(r => (r.Arch, r.Variant)));

        // The 2.6 gather frees its full array under the lock instead of allocating batch pages: other cycles.
        Assert.NotEqual(rows[0].Cycles, rows[1].Cycles);
        Assert.NotEqual(rows[2].Cycles, rows[3].Cycles);
    }

    [Fact]
    public void AnUnknownKernelVariantIsAUsageErrorThatListsTheKnownOnes()
    {
        CliRun run = CliHarness.Run("compare", Small, "--kernel-variant", "linux,bogus");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("unknown kernel variant 'bogus' in '--kernel-variant' (known: linux, gather, percpu-2.6)", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutArchEveryRegisteredBackEndGetsARowInRegistryOrder()
    {
        CliRun run = CliHarness.Run("compare", Small, "--format", "json");

        Assert.Equal(0, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        string[] archs = [.. json.RootElement.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("arch").GetString()!)];
        Assert.Equal(Architectures.Names, archs);
    }

    [Fact]
    public void EachRowHasTheFiguresRunPrintsForThatArchitecture()
    {
        CliRun compare = CliHarness.Run("compare", Small, "--arch", "s390,x86", "--format", "json");
        JsonElement s390Run = RunCounters(Small, "s390");

        using JsonDocument json = JsonDocument.Parse(compare.Stdout);
        JsonElement[] rows = [.. json.RootElement.GetProperty("rows").EnumerateArray()];
        Assert.Equal(["s390", "x86"], rows.Select(r => r.GetProperty("arch").GetString()));
        JsonElement s390 = rows[0];
        foreach (string key in new[] { "tlb_shootdown_ipis", "broadcast_flushes", "tlb_flushes", "pages_freed", "virtual_cycles" })
        {
            Assert.Equal(s390Run.GetProperty(key).GetInt64(), s390.GetProperty(key).GetInt64());
            Assert.Equal(s390Run.GetProperty(key).GetInt64(), s390.GetProperty("counters").GetProperty(key).GetInt64());
        }

        Assert.Equal(1, rows[1].GetProperty("tlb_shootdown_ipis").GetInt64()); // x86: one IPI to the spinning sibling
        Assert.Equal(0, s390.GetProperty("tlb_shootdown_ipis").GetInt64());    // s390: IPTE broadcasts, no IPI
        Assert.Equal(16.0, rows[1].GetProperty("pages_per_flush").GetDouble());
        Assert.Equal(0, s390.GetProperty("violations_total").GetInt64());
        Assert.Equal(0, s390.GetProperty("violations").GetArrayLength());
    }

    [Fact]
    public void TextIsOneAlignedTableWithALegend()
    {
        CliRun run = CliHarness.Run("compare", Small, "--arch", "x86,s390");

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.Stderr);
        Assert.StartsWith($"scenario  munmap-small\nfile      {Small}\nseed      1 (default)\nstrategy  turns\n", run.Stdout);
        string[] lines = run.Stdout.Split('\n');
        int header = Array.FindIndex(lines, l => l.StartsWith("  arch ", StringComparison.Ordinal));
        Assert.True(header > 0, run.Stdout);
        Assert.StartsWith("  x86 ", lines[header + 1]);
        Assert.StartsWith("  s390 ", lines[header + 2]);

        // Right-aligned numbers: every column ends where its header ends.
        int cyclesEnd = lines[header].IndexOf("cycles", StringComparison.Ordinal) + "cycles".Length;
        Assert.Equal(' ', lines[header + 1][cyclesEnd]);
        Assert.True(char.IsAsciiDigit(lines[header + 1][cyclesEnd - 1]), lines[header + 1]);
        Assert.Contains("\ncolumns\n  shootdowns ", run.Stdout);
        Assert.EndsWith("\nviolations: none\n", run.Stdout);
    }

    [Fact]
    public void BackEndCountersGetColumnsOnlyWhenSomeRowHasThem()
    {
        CliRun x86Only = CliHarness.Run("compare", Small, "--arch", "x86", "--format", "json");

        using JsonDocument json = JsonDocument.Parse(x86Only.Stdout);
        string[] columns = [.. json.RootElement.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!)];
        string[] expected = [.. CompareColumns.Leading.Concat(CompareColumns.Trailing).Select(c => c.Key)];
        Assert.Equal(expected, columns);
    }

    [Fact]
    public void ExtraColumnsAreTheNonZeroCountersOutsideTheFixedAndBackgroundSets()
    {
        var counters = new SortedDictionary<string, long>(StringComparer.Ordinal)
        {
            ["pages_freed"] = 16,
            ["page_faults"] = 16,
            ["hash_invalidations"] = 5,
            ["tsb_flushes"] = 0,
        };
        var run = new RunResult("t", "x", 1, counters, counters, [], [], 0);

        IReadOnlyList<CompareColumn> columns = CompareColumns.For([run]);

        Assert.Contains(columns, c => c.Key == "hash_invalidations");
        Assert.DoesNotContain(columns, c => c.Key is "tsb_flushes" or "page_faults");
        Assert.Equal(CompareColumns.Violations, columns[^1].Key);
        Assert.Equal("virtual_cycles", columns[^2].Key);
        Assert.Equal("hash_invalidations", columns[^3].Key);
    }

    [Fact]
    public void AViolationOnAnyArchitectureExitsOneAndSaysHowToRerunIt()
    {
        string broken = RepositoryRoot.Combine("scenarios/broken/free-before-flush.yaml");

        CliRun run = CliHarness.Run("compare", broken, "--arch", "x86,s390", "--seed", "4");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("violations: on ", run.Stdout);
        Assert.Contains($"rerun with: mmugather compare {ShellWord.Quote(broken)} --arch x86 --seed 4\n", run.Stdout);
    }

    [Fact]
    public void SameInputGivesTheSameBytes()
    {
        CliRun a = CliHarness.Run("compare", Small, "--arch", "s390,x86-invlpgb", "--strategy", "time", "--format", "json");
        CliRun b = CliHarness.Run("compare", Small, "--arch", "s390,x86-invlpgb", "--strategy", "time", "--format", "json");

        Assert.Equal(0, a.ExitCode);
        Assert.Equal(a.Stdout, b.Stdout);
        Assert.Contains("\"strategy\": \"time\"", a.Stdout);
    }

    [Theory]
    [InlineData("error: unknown architecture 'vax' in '--arch' (known: ", "compare", "x.yaml", "--arch", "x86,vax")]
    [InlineData("error: architecture 'x86' is listed twice in '--arch'", "compare", "x.yaml", "--arch", "x86,s390,x86")]
    [InlineData("error: invalid value 'x86,' for '--arch' (expected a comma-separated list of architectures: ", "compare", "x.yaml", "--arch", "x86,")]
    [InlineData("error: invalid value 'random' for '--strategy' (expected turns or time)", "compare", "x.yaml", "--strategy", "random")]
    [InlineData("error: 'compare' needs a scenario FILE", "compare", "--arch", "x86")]
    [InlineData("error: unknown option '--runs' for 'compare'", "compare", "x.yaml", "--runs", "3")]
    [InlineData("error: unknown option '--arch' for 'run'", "run", "x.yaml", "--arch", "x86")]
    public void BadCommandLineExitsTwo(string expected, params string[] args)
    {
        CliRun run = CliHarness.Run(args);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith(expected, run.Stderr);
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public void TheUnknownArchitectureErrorListsEveryKnownOne()
    {
        CliRun run = CliHarness.Run("compare", Small, "--arch", "vax");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: unknown architecture 'vax' in '--arch' (known: {string.Join(", ", Architectures.Names)})\nrun 'mmugather compare --help' for usage\n", run.Stderr);
    }

    [Fact]
    public void HelpDescribesCompare()
    {
        CliRun help = CliHarness.Run("compare", "--help");
        CliRun overview = CliHarness.Run("--help");

        Assert.Equal(0, help.ExitCode);
        Assert.StartsWith("usage: mmugather compare FILE [--arch A,B,...]", help.Stdout);
        Assert.Contains("mmugather compare FILE", overview.Stdout);
    }

    private static JsonElement RunCounters(string file, string arch)
    {
        string yaml = File.ReadAllText(file).Replace("arch: x86", $"arch: {arch}", StringComparison.Ordinal);
        string copy = Path.Combine(Path.GetTempPath(), $"mmugather-compare-{arch}-{Environment.ProcessId}.yaml");
        File.WriteAllText(copy, yaml);
        try
        {
            CliRun run = CliHarness.Run("run", copy, "--format", "json");
            Assert.Equal(0, run.ExitCode);
            using JsonDocument json = JsonDocument.Parse(run.Stdout);
            return json.RootElement.GetProperty("counters").Clone();
        }
        finally
        {
            File.Delete(copy);
        }
    }
}
