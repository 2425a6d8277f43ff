using BenchmarkDotNet.Attributes;
using MmuGather.Sim;

namespace MmuGather.Bench;

/// <summary>
/// The cost of the model itself, in nanoseconds per simulated 4 KiB page (1 GiB = 262144
/// pages, hence <see cref="OperationsPerInvokeAttribute"/>). Each invocation builds a fresh
/// 2-CPU, 4 GiB machine, as a user's run does; the JIT, however, is warm (BenchmarkDotNet
/// measures the steady state; the first run of a fresh process is several times slower, see
/// docs/performance.md, "Cold start").
/// </summary>
[MemoryDiagnoser]
[InvocationCount(1)] // required by [IterationSetup]; also one full 1 GiB run per iteration for (a)
public class PopulateMunmapBenchmark
{
    private MunmapState? _munmap;

    /// <summary>(a) The scenario as users run it: parse, build, populate 1 GiB, munmap, teardown, all checkers.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = BenchCases.Pages)]
    public RunResult PopulateMunmap() => BenchCases.PopulateMunmap();

    [IterationSetup(Target = nameof(Munmap))]
    public void SetupMunmap() => _munmap = BenchCases.MunmapSetup();

    /// <summary>(b) The munmap alone: CPU 0 unmaps the populated 1 GiB while CPU 1 spins in the same mm.</summary>
    [Benchmark(OperationsPerInvoke = BenchCases.Pages)]
    public long Munmap() => BenchCases.Munmap(_munmap!);

    [IterationCleanup(Target = nameof(Munmap))]
    public void CleanupMunmap() => _munmap = null;
}
