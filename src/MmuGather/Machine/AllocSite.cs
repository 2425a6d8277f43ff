namespace MmuGather.Machine;

/// <summary>
/// Where an allocation comes from, so fault injection can target one site: a scenario can
/// make exactly the gather's batch-page allocation fail and watch the gather keep going.
/// </summary>
public enum AllocSite
{
    UserPage,
    PageTable,
    GatherBatch,
    TableBatch,
}
