using YamlDotNet.RepresentationModel;

namespace MmuGather.Scenarios;

/// <summary>Reads the <c>processes:</c> sequence of a scenario, with its threads and steps.</summary>
internal static class ProcessReader
{
    private static readonly string[] s_processKeys = ["name", "threads", "footprint", "forked_from"];
    private static readonly string[] s_threadKeys = ["cpu", "cpus", "steps"];

    /// <summary>Reads all processes; thread CPUs are checked against <paramref name="cpus"/>.</summary>
    public static List<ProcessSpec> ReadAll(ScenarioNodeReader reader, YamlNode node, int cpus)
    {
        IReadOnlyList<YamlNode> items = reader.ReadSequence(node, "processes");
        if (items.Count == 0)
        {
            throw reader.Error(node, "'processes' must list at least one process");
        }

        var processes = new List<ProcessSpec>();
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (YamlNode item in items)
        {
            ProcessSpec process = Read(reader, item, cpus);
            if (!names.TryAdd(process.Name, process.Line))
            {
                throw reader.Error(process.Line, $"process name '{process.Name}' is already used by the process on line {names[process.Name]}");
            }

            processes.Add(process);
        }

        ForkValidator.Validate(reader, processes);
        return processes;
    }

    private static ProcessSpec Read(ScenarioNodeReader reader, YamlNode node, int cpus)
    {
        var map = YamlMappingView.Open(reader, node, "each process", "in a process", s_processKeys);
        string name = reader.ReadName(map.Required("name"), "name");
        YamlNode threadsNode = map.Required("threads");
        IReadOnlyList<YamlNode> items = reader.ReadSequence(threadsNode, "threads");
        if (items.Count == 0)
        {
            throw reader.Error(threadsNode, $"'threads' of process '{name}' must list at least one thread");
        }

        List<ThreadSpec> threads = items.Select(item => ReadThread(reader, item, cpus)).ToList();
        string? parent = map.Optional("forked_from") is { } fromNode ? reader.ReadName(fromNode, "forked_from") : null;
        if (parent is null)
        {
            RegionValidator.Validate(reader, name, threads); // a child's regions are checked with its parent's (ForkValidator)
        }

        ulong footprint = map.Optional("footprint") is { } f ? reader.ReadPageLength(f, "footprint") : 0;
        return new ProcessSpec(name, threads, map.Line, footprint) { ForkedFrom = parent };
    }

    private static ThreadSpec ReadThread(ScenarioNodeReader reader, YamlNode node, int cpus)
    {
        var map = YamlMappingView.Open(reader, node, "each thread", "in a thread", s_threadKeys);
        YamlNode? cpusNode = map.Optional("cpus");
        YamlNode? cpuNode = map.Optional("cpu");
        if (cpuNode is null && cpusNode is null)
        {
            throw reader.Error(map.Line, "a thread needs 'cpu: N' (pinned) or 'cpus: [N, ...]' (may run on any of them, starting on the first)");
        }

        if (cpuNode is not null && cpusNode is not null)
        {
            throw reader.Error(map.Line, "give either 'cpu' or 'cpus', not both");
        }

        ulong mask = 0;
        long cpu;
        if (cpusNode is not null)
        {
            IReadOnlyList<YamlNode> items = reader.ReadSequence(cpusNode, "cpus");
            if (items.Count == 0)
            {
                throw reader.Error(cpusNode, "'cpus' must list at least one CPU");
            }

            cpu = -1;
            foreach (YamlNode item in items)
            {
                long c = CheckCpu(reader, item, reader.ReadInteger(item, "cpus", 0, long.MaxValue), cpus);
                cpu = cpu < 0 ? c : cpu;
                mask |= 1UL << (int)c;
            }
        }
        else
        {
            cpu = CheckCpu(reader, cpuNode!, reader.ReadInteger(cpuNode!, "cpu", 0, long.MaxValue), cpus);
        }

        List<Step> steps = StepReader.ReadAll(reader, map.Required("steps"));
        return new ThreadSpec((int)cpu, steps, map.Line, mask);
    }

    private static long CheckCpu(ScenarioNodeReader reader, YamlNode node, long cpu, int cpus)
    {
        if (cpu >= cpus)
        {
            string plural = cpus == 1 ? "CPU" : "CPUs";
            throw reader.Error(node, $"thread runs on cpu {cpu} but the machine has {cpus} {plural} (0..{cpus - 1})");
        }

        return cpu;
    }
}
