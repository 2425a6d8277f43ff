namespace MmuGather.Cli;

/// <summary>
/// The built-in scenario of <c>mmugather demo</c>. The same text is shipped as
/// <c>scenarios/munmap-1gib-two-cpus.yaml</c> (a test keeps the two identical), so the demo
/// needs no file on disk.
/// </summary>
public static class DemoScenario
{
    /// <summary>The shipped copy, relative to the repository root (and to the CLI binary).</summary>
    public const string RelativePath = "scenarios/munmap-1gib-two-cpus.yaml";

    /// <summary>The scenario text, byte for byte the shipped file.</summary>
    public const string Yaml = MmuGather.Scenarios.BuiltInScenarios.Munmap1GibTwoCpus;
}
