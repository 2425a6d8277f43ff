using System.Text.Json;
using MmuGather.Cli.Native;
using MmuGather.Tests.Cli;

namespace MmuGather.Tests.Native;

/// <summary>
/// The fidelity corpus (issue 9, item 4): every scenarios/fidelity/*.yaml runs in the model and
/// natively through <c>validate</c>'s in-process API, 3 repetitions, and every step must agree
/// (the model's remote flush rounds within native min..max widened by the idle noise).
/// Host-gated like the other native tests: skipped with the reason where the host cannot
/// count remote flushes, never passed.
/// </summary>
[Collection(NativeHostGate.Collection)]
public class FidelityCorpusTests
{
    public static TheoryData<string> CorpusFiles() => new(Files());

    [Fact]
    public void CorpusCoversTheIssueCases()
    {
        string[] names = Files().Select(Path.GetFileNameWithoutExtension).ToArray()!;
        foreach (long n in new long[] { 1, 16, 512, 9677, 9678, 9679, 19356, 19357, 65536, 262144 })
        {
            Assert.Contains($"munmap-{n}-spin", names);
        }

        Assert.Contains("thp-munmap-spin", names);
        foreach (long n in new long[] { 1, 16, 512, 9677, 9678, 9679, 19356, 19357, 65536, 262144 })
        {
            Assert.Contains($"dontneed-{n}-spin", names);
        }

        foreach (long n in new long[] { 1, 9678, 262144 })
        {
            Assert.Contains($"munmap-{n}-alone", names); // without a spinning sibling
            Assert.Contains($"dontneed-{n}-alone", names);
        }

        Assert.Contains("exit-after-sibling", names);
        Assert.Contains("exit-alone", names);
        Assert.Contains("exit-with-spinner", names); // a second thread still running
        Assert.Contains("exit-group-spin", names); // exit_group while a sibling spins
        Assert.Contains("file-shared-dirty-spin", names);
        Assert.Contains("mm-switch", names);
        Assert.Contains("mremap-shrink-spin", names);
        Assert.Contains("mremap-grow-spin", names);
        foreach (long n in new long[] { 1, 512, 9678 })
        {
            Assert.Contains($"mremap-move-{n}-spin", names);
        }

        foreach (long n in new long[] { 1, 16, 512, 9678 })
        {
            Assert.Contains($"mprotect-{n}-spin", names); // rw -> r -> rw with a spinning sibling
        }

        Assert.Contains("mprotect-none-spin", names);
        Assert.Contains("mprotect-split-spin", names); // a vma split and merged back
        Assert.Contains("mprotect-thp-spin", names);
        Assert.Contains("mprotect-file-shared-spin", names);
    }

    [NativeTheory]
    [MemberData(nameof(CorpusFiles))]
    public void EveryStepAgrees(string relativePath)
    {
        string file = RepositoryRoot.Combine(relativePath);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exit = ValidateCommand.Execute([file, "--reps", "3", "--format", "json"], stdout, stderr);
        Assert.True(exit == 0, $"validate exit {exit}\n{stdout}\n{stderr}");
        using JsonDocument doc = JsonDocument.Parse(stdout.ToString());
        Assert.Equal(0, doc.RootElement.GetProperty("disagreements").GetArrayLength());
        JsonElement steps = doc.RootElement.GetProperty("files")[0].GetProperty("steps");
        Assert.NotEqual(0, steps.GetArrayLength());
        Assert.All(steps.EnumerateArray(), s => Assert.True(s.GetProperty("agrees").GetBoolean(), s.ToString()));
    }

    private static string[] Files() =>
        Directory.EnumerateFiles(RepositoryRoot.Combine("scenarios", "fidelity"), "*.yaml", SearchOption.TopDirectoryOnly)
            .Select(f => Path.GetRelativePath(RepositoryRoot.Path, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();
}
