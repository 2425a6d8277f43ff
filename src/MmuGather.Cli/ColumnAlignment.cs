namespace MmuGather.Cli;

/// <summary>How a <see cref="TextTable"/> column pads its cells.</summary>
public enum ColumnAlignment
{
    /// <summary>Text: padded on the right.</summary>
    Left,

    /// <summary>Numbers: padded on the left.</summary>
    Right,
}
