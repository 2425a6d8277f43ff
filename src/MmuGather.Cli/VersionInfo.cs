using System.Reflection;

namespace MmuGather.Cli;

/// <summary>The version <c>mmugather --version</c> prints: the CLI assembly's informational version.</summary>
public static class VersionInfo
{
    /// <summary>For example <c>mmugather 0.1.0</c> (build metadata after '+' is left out).</summary>
    public static string Line
    {
        get
        {
            Assembly assembly = typeof(VersionInfo).Assembly;
            string version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? assembly.GetName().Version?.ToString()
                ?? "unknown";
            int plus = version.IndexOf('+', StringComparison.Ordinal);
            return $"mmugather {(plus < 0 ? version : version[..plus])}";
        }
    }
}
