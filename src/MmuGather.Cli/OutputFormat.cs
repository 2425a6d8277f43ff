namespace MmuGather.Cli;

/// <summary>How a run's report is printed.</summary>
public enum OutputFormat
{
    /// <summary>A readable report with aligned columns.</summary>
    Text,

    /// <summary>One JSON object, keys in a fixed order.</summary>
    Json,
}
