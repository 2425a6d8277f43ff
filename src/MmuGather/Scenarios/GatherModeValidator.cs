using MmuGather.Mm;

namespace MmuGather.Scenarios;

/// <summary>
/// Refuses what a <see cref="GatherMode"/> does not support. The 2.6-era per-CPU gather holds
/// preemption off while <c>free_pgtables</c> takes a file's <c>i_mmap_rwsem</c>, a sleeping
/// lock: the model would report a lock-discipline violation that is the scenario's, not the
/// kernel's (docs/cost-model.md), so a file mapping under that mode is bad input.
/// </summary>
internal static class GatherModeValidator
{
    public static void Validate(ScenarioNodeReader reader, Scenario scenario)
    {
        if (scenario.Kernel.Gather != GatherMode.PerCpu26)
        {
            return;
        }

        MmapStep? file = scenario.Processes.SelectMany(p => p.Threads).SelectMany(t => t.Steps)
            .OfType<MmapStep>().FirstOrDefault(m => m.Kind != MappingKind.Anon);
        if (file is not null)
        {
            throw reader.Error(
                file.Line,
                $"file mapping '{file.Name}' is not supported with 'gather: percpu-2.6' (free_pgtables would take the file's i_mmap_rwsem, a sleeping lock, with preemption off; see docs/cost-model.md)");
        }
    }
}
