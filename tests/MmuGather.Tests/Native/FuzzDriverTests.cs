using MmuGather.Cli.Native.Fuzz;
using MmuGather.Scenarios;
using MmuGather.Swarm;

namespace MmuGather.Tests.Native;

/// <summary>
/// The fuzzer's loop against stand-ins for the host: the model against itself agrees; a host
/// broken in one category is caught in that category, shrunk to a few steps and saved.
/// </summary>
public class FuzzDriverTests
{
    [Fact]
    public void ModelAgainstItselfAgrees()
    {
        using var dir = new ScratchDir();
        FuzzSummary s = Run(FuzzFakeRunner.Faithful(), 200, dir.Path);
        Assert.Equal(200, s.Sequences);
        Assert.Equal(0, s.Found);
        Assert.Equal(0, s.Left);
        Assert.Empty(s.Saved);
        Assert.True(s.StepsCompared > 200 * 3);
        foreach (FuzzCategory c in Enum.GetValues<FuzzCategory>())
        {
            Assert.Equal(s.StepsCompared, s.Agreements(c));
            Assert.Equal(0, s.Mismatches(c));
        }
    }

    public static TheoryData<string, string, int> Breakages => new()
    {
        { nameof(FuzzFakeRunner.ExtraRoundOnMunmap), "Rounds", 2 },
        { nameof(FuzzFakeRunner.SegvOnTouch), "Access", 2 },
        { nameof(FuzzFakeRunner.FileAsAnon), "Layout", 1 },
        { nameof(FuzzFakeRunner.FlipFirstPage), "Residency", 1 },
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public void BrokenHostIsCaughtInItsCategoryShrunkAndSaved(string breakage, string categoryName, int minimalSteps)
    {
        FuzzCategory category = Enum.Parse<FuzzCategory>(categoryName);
        using var dir = new ScratchDir();
        FuzzSummary s = Run(Fake(breakage), 20, dir.Path);
        Assert.True(s.Left > 0);
        Assert.True(s.Mismatches(category) > 0);
        Assert.All(Enum.GetValues<FuzzCategory>().Where(c => c != category), c => Assert.Equal(0, s.Mismatches(c)));
        Assert.Equal(s.StepsCompared, s.Agreements(category) + s.Mismatches(category));

        FuzzSaved saved = Assert.Single(s.Saved);
        Assert.Equal(category, saved.Category);
        Assert.Equal(minimalSteps, saved.StepsAfter);
        Assert.True(saved.StepsBefore >= saved.StepsAfter);
        string text = File.ReadAllText(saved.Path);
        Assert.Contains($"seed {saved.Seed}", text, StringComparison.Ordinal);
        Assert.Contains($"a {category.ToString().ToLowerInvariant()} mismatch", text, StringComparison.Ordinal);
        Assert.Contains("model ", text, StringComparison.Ordinal);
        Assert.Contains("native ", text, StringComparison.Ordinal);
        Assert.NotEmpty(saved.Details);

        // The saved file is a scenario: it parses, and still mismatches where the header says.
        Scenario replay = ScenarioParser.Parse(text, saved.Path);
        using var model = new ModelSequenceRunner();
        using ISequenceRunner host = Fake(breakage);
        SequenceVerdict v = SequenceComparer.Compare(model.Run(replay), [host.Run(replay)]);
        FuzzMismatch first = v.Mismatches.First(m => m.Category == category);
        Assert.Contains($"line {first.Line}", saved.Details[0], StringComparison.Ordinal);
    }

    [Fact]
    public void RoundsNoiseOfTheFirstRunIsFoundButNotLeft()
    {
        using var dir = new ScratchDir();
        using var model = new ModelSequenceRunner();
        using var host = FuzzFakeRunner.NoisyFirstRun();
        var driver = new FuzzDriver(model, host, FuzzGeneratorTests.AnyHost, new FuzzOptions(1, 0, dir.Path), TextWriter.Null);
        var munmap = new SwarmScenario("noise", new SwarmMachine("x86", 2),
        [
            new SwarmProcess("app", SequenceGenerator.Page,
            [
                new SwarmThread([0], [new SwarmStep(SwarmStepKind.Mmap) { Region = "r0", Length = 16 * SequenceGenerator.Page, Populate = true }, new SwarmStep(SwarmStepKind.Munmap) { Region = "r0" }]),
                new SwarmThread([1], [new SwarmStep(SwarmStepKind.Spin)]),
            ]),
        ]);
        FuzzEvaluation e = driver.Evaluate(munmap);
        Assert.True(e.Found);
        Assert.True(e.Verdict.Agrees);
    }

    [Fact]
    public void ADifferenceTheHostDoesNotShowAgainIsReportedApartNotLeft()
    {
        using var dir = new ScratchDir();
        using var model = new ModelSequenceRunner();
        using var host = FuzzFakeRunner.FlipFirstPageInFirstRun();
        FuzzSummary s = new FuzzDriver(model, host, FuzzGeneratorTests.AnyHost, new FuzzOptions(1, 3, dir.Path), TextWriter.Null).Run();
        Assert.Equal(1, s.Found);
        Assert.Equal(0, s.Left);
        Assert.Equal(1, s.NotReproduced);
        Assert.True(s.NotReproducedSteps(FuzzCategory.Residency) > 0);
        Assert.Empty(s.Saved);
        Assert.Contains("not reproduced: 1 sequence(s)", FuzzReport.Text(s, FuzzGeneratorTests.AnyHost), StringComparison.Ordinal);
    }

    [Fact]
    public void ProgressIsWrittenAtMostEveryInterval()
    {
        using var dir = new ScratchDir();
        using var model = new ModelSequenceRunner();
        using var host = FuzzFakeRunner.Faithful();
        using var every = new StringWriter();
        new FuzzDriver(model, host, FuzzGeneratorTests.AnyHost, new FuzzOptions(5, 1, dir.Path) { ProgressEvery = TimeSpan.Zero }, every).Run();
        Assert.Equal(5, every.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("5/5 sequences", every.ToString(), StringComparison.Ordinal);

        using var quiet = new StringWriter();
        new FuzzDriver(model, host, FuzzGeneratorTests.AnyHost, new FuzzOptions(5, 1, dir.Path), quiet).Run();
        Assert.Equal("", quiet.ToString());
    }

    internal static FuzzFakeRunner Fake(string breakage) => breakage switch
    {
        nameof(FuzzFakeRunner.ExtraRoundOnMunmap) => FuzzFakeRunner.ExtraRoundOnMunmap(),
        nameof(FuzzFakeRunner.SegvOnTouch) => FuzzFakeRunner.SegvOnTouch(),
        nameof(FuzzFakeRunner.FileAsAnon) => FuzzFakeRunner.FileAsAnon(),
        nameof(FuzzFakeRunner.FlipFirstPage) => FuzzFakeRunner.FlipFirstPage(),
        _ => FuzzFakeRunner.Faithful(),
    };

    private static FuzzSummary Run(ISequenceRunner host, int sequences, string dir)
    {
        using (host)
        {
            using var model = new ModelSequenceRunner();
            var options = new FuzzOptions(sequences, 5, dir) { MaxSavedPerCategory = 1 };
            return new FuzzDriver(model, host, FuzzGeneratorTests.AnyHost, options, TextWriter.Null).Run();
        }
    }
}
