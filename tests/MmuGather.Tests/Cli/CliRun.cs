namespace MmuGather.Tests.Cli;

/// <summary>What one in-process run of the CLI produced.</summary>
internal sealed record CliRun(int ExitCode, string Stdout, string Stderr);
