using System.Runtime.InteropServices;
using MmuGather.Cli.Native;

namespace MmuGather.Tests.Native;

/// <summary>
/// Whether this host can run native scenarios for real: Linux on x86-64, at least 2 CPUs,
/// the tlb:tlb_flush tracepoint readable with perf_event_open (root or perf access). When
/// not, the tests that need it are reported as skipped with the reason, never as passed.
/// </summary>
internal static class NativeHostGate
{
    /// <summary>
    /// The tests that run scenarios on the host share one xunit collection, so they run one
    /// after the other: two real-time spinners on one CPU would take turns, not both spin.
    /// </summary>
    public const string Collection = "native host";

    public static string? SkipReason { get; } = Find();

    private static string? Find()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64)
        {
            return $"native tests need Linux on x86-64 (this is {RuntimeInformation.OSDescription}, {RuntimeInformation.OSArchitecture})";
        }

        if (Environment.ProcessorCount < 2)
        {
            return $"native tests need 2 CPUs (this host has {Environment.ProcessorCount})";
        }

        return NativeHost.Current.Refusal is { } refusal ? $"native tests cannot count remote flushes here: {refusal}" : null;
    }
}

/// <summary>A fact that runs only where <see cref="NativeHostGate"/> allows, else is skipped with the reason.</summary>
internal sealed class NativeFactAttribute : FactAttribute
{
    public NativeFactAttribute()
    {
        if (NativeHostGate.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory that runs only where <see cref="NativeHostGate"/> allows, else is skipped with the reason.</summary>
internal sealed class NativeTheoryAttribute : TheoryAttribute
{
    public NativeTheoryAttribute()
    {
        if (NativeHostGate.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>Scenario files written for one test, removed with it.</summary>
internal sealed class ScratchDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("mmugather-native-test-").FullName;

    public string Write(string name, string yaml)
    {
        string file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, yaml);
        return file;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);

    /// <summary>A thread on CPU 0 maps and populates <paramref name="pages"/> pages and unmaps them; a sibling spins on CPU 1.</summary>
    public static string MunmapWithSpinner(long pages) => $"""
        name: munmap-{pages}
        machine: {"{"} arch: x86, cpus: 2 {"}"}
        processes:
          - name: app
            threads:
              - cpu: 0
                steps:
                  - mmap: {"{"} name: buf, length: {pages * 4096}, populate: true {"}"}
                  - munmap: {"{"} region: buf {"}"}
              - cpu: 1
                steps:
                  - spin
        """;
}
