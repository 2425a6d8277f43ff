namespace MmuGather.Machine;

/// <summary>Outcome of a user access attempted by the hardware.</summary>
public enum AccessResult
{
    Ok,
    /// <summary>No translation: the kernel must handle a not-present fault.</summary>
    NotPresent,
    /// <summary>A translation exists but forbids the access (write to read-only).</summary>
    Protection,
}
