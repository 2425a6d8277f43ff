using YamlDotNet.RepresentationModel;

namespace MmuGather.Scenarios;

/// <summary>Reads the <c>processes:</c> sequence of a scenario, with its threads and steps.</summary>
internal static class ProcessReader
{
    private static readonly string[] s_processKeys = ["name", "threads"];
    private static readonly string[] s_threadKeys = ["cpu", "steps"];

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
        RegionValidator.Validate(reader, name, threads);
        return new ProcessSpec(name, threads, map.Line);
    }

    private static ThreadSpec ReadThread(ScenarioNodeReader reader, YamlNode node, int cpus)
    {
        var map = YamlMappingView.Open(reader, node, "each thread", "in a thread", s_threadKeys);
        long cpu = reader.ReadInteger(map.Required("cpu"), "cpu", 0, long.MaxValue);
        if (cpu >= cpus)
        {
            string plural = cpus == 1 ? "CPU" : "CPUs";
            throw reader.Error(map.Line, $"thread runs on cpu {cpu} but the machine has {cpus} {plural} (0..{cpus - 1})");
        }

        List<Step> steps = StepReader.ReadAll(reader, map.Required("steps"));
        return new ThreadSpec((int)cpu, steps, map.Line);
    }
}
