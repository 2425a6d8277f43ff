using MmuGather.Mm;
using YamlDotNet.RepresentationModel;

namespace MmuGather.Scenarios;

/// <summary>
/// Turns a YAML scenario file into a <see cref="Scenario"/>. Everything is parsed and validated
/// before anything is returned; every bad input throws a <see cref="ScenarioException"/> that
/// names the file and the 1-based line.
/// </summary>
public static class ScenarioParser
{
    /// <summary>File name used in the exception thrown by <see cref="ParseLength"/>, which has no file.</summary>
    public const string LengthSource = "<length>";

    private static readonly string[] s_topLevelKeys = ["name", "seed", "machine", "kernel", "processes"];
    private static readonly string[] s_kernelKeys = ["bugs", "gather", "flush_api"];

    // kernel.gather: the scenario name of each GatherMode, in the order messages list them.
    private static readonly (string Name, GatherMode Mode)[] s_gatherModes =
    [
        ("current", GatherMode.Current),
        ("percpu-2.6", GatherMode.PerCpu26),
    ];

    private static readonly string[] s_knownGatherModes = [.. s_gatherModes.Select(g => g.Name)];

    // kernel.flush_api: the scenario name of each FlushApi.
    private static readonly (string Name, FlushApi Api)[] s_flushApis =
    [
        ("linux", FlushApi.Linux),
        ("gather", FlushApi.Gather),
    ];

    private static readonly string[] s_knownFlushApis = [.. s_flushApis.Select(f => f.Name)];

    // One array each, so that adding an architecture or a bug switch is a one-line change.
    private static readonly string[] s_knownArchitectures = [.. MmuGather.Sim.Architectures.Names];
    private static readonly string[] s_knownBugs = [.. MmuGather.Mm.KernelBugs.Names];

    /// <summary>Values accepted for <c>machine.arch</c>.</summary>
    public static IReadOnlyList<string> KnownArchitectures => s_knownArchitectures;

    /// <summary>Names accepted in <c>kernel.bugs</c> (the deliberately broken variants of docs/bugs.md).</summary>
    public static IReadOnlyList<string> KnownBugs => s_knownBugs;

    /// <summary>Values accepted for <c>kernel.gather</c> (which mmu_gather the kernel runs).</summary>
    public static IReadOnlyList<string> KnownGatherModes => s_knownGatherModes;

    /// <summary>Reads and parses the file at <paramref name="path"/> under <see cref="ScenarioLimits.Default"/>.</summary>
    public static Scenario ParseFile(string path) => ParseFile(path, ScenarioLimits.Default);

    /// <summary>Reads (at most <see cref="ScenarioLimits.FileBytes"/> + 1 bytes) and parses the file at <paramref name="path"/>.</summary>
    public static Scenario ParseFile(string path, ScenarioLimits limits)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(limits);
        return Parse(ScenarioFileReader.Read(path, limits), path, limits);
    }

    /// <summary>Parses <paramref name="yamlText"/> under <see cref="ScenarioLimits.Default"/>; <paramref name="sourcePath"/> is only used in messages and the result.</summary>
    public static Scenario Parse(string yamlText, string sourcePath) => Parse(yamlText, sourcePath, ScenarioLimits.Default);

    /// <summary>Parses <paramref name="yamlText"/>, refusing anything over <paramref name="limits"/>.</summary>
    public static Scenario Parse(string yamlText, string sourcePath, ScenarioLimits limits)
    {
        ArgumentNullException.ThrowIfNull(yamlText);
        ArgumentNullException.ThrowIfNull(sourcePath);
        ArgumentNullException.ThrowIfNull(limits);
        ScenarioFileReader.CheckLength(yamlText, sourcePath, limits.FileBytes);
        var reader = new ScenarioNodeReader(sourcePath);
        Scenario scenario = ReadScenario(reader, YamlDocumentLoader.LoadRoot(yamlText, reader, limits));
        WorkloadValidator.Validate(reader, scenario, limits);
        GatherModeValidator.Validate(reader, scenario);
        return scenario;
    }

    /// <summary>
    /// Parses a byte length: plain bytes (<c>4096</c>, <c>0x1000</c>) or a number with
    /// <c>B</c>, <c>KiB</c>, <c>MiB</c>, <c>GiB</c> or <c>TiB</c> and an optional space
    /// (<c>2 MiB</c>). Bad input throws a <see cref="ScenarioException"/> with file
    /// <see cref="LengthSource"/> and line 0; its <see cref="ScenarioException.What"/> is the sentence.
    /// </summary>
    public static ulong ParseLength(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return LengthParser.TryParse(text, out ulong bytes, out string error)
            ? bytes
            : throw new ScenarioException(LengthSource, 0, error);
    }

    private static Scenario ReadScenario(ScenarioNodeReader reader, YamlNode root)
    {
        var top = YamlMappingView.Open(reader, root, "the top level", "at top level", s_topLevelKeys);
        string name = reader.ReadName(top.Required("name"), "name");
        ulong? seed = top.Optional("seed") is { } s ? reader.ReadUInt64(s, "seed") : null;
        MachineSpec machine = top.Optional("machine") is { } m ? MachineSpecReader.Read(reader, m) : MachineSpec.Default;
        KernelSpec kernel = top.Optional("kernel") is { } k ? ReadKernel(reader, k) : KernelSpec.Default;
        List<ProcessSpec> processes = ProcessReader.ReadAll(reader, top.Required("processes"), machine.Cpus);
        return new Scenario(name, reader.File, machine, kernel, processes, seed);
    }

    private static KernelSpec ReadKernel(ScenarioNodeReader reader, YamlNode node)
    {
        var map = YamlMappingView.OpenOptional(
            reader, node, ScenarioNodeReader.LineOf(node), "'kernel'", "in 'kernel'", s_kernelKeys);
        List<string> bugs = map.Optional("bugs") is { } bugsNode ? ReadBugs(reader, bugsNode) : [];
        GatherMode gather = map.Optional("gather") is { } g ? ReadGatherMode(reader, g) : GatherMode.Current;
        FlushApi flushApi = FlushApi.Linux;
        if (map.Optional("flush_api") is { } f)
        {
            string name = reader.ReadChoice(f, "flush_api", s_knownFlushApis);
            flushApi = s_flushApis.First(a => a.Name == name).Api;
        }

        return bugs.Count == 0 && gather == GatherMode.Current && flushApi == FlushApi.Linux
            ? KernelSpec.Default
            : new KernelSpec(bugs, gather, flushApi);
    }

    private static List<string> ReadBugs(ScenarioNodeReader reader, YamlNode node)
    {
        var bugs = new List<string>();
        foreach (YamlNode item in reader.ReadSequence(node, "bugs"))
        {
            bugs.Add(ReadBug(reader, item, bugs));
        }

        return bugs;
    }

    /// <summary><c>gather: current | percpu-2.6</c>; anything else names the file, the line and the known values.</summary>
    private static GatherMode ReadGatherMode(ScenarioNodeReader reader, YamlNode node)
    {
        string name = reader.ReadChoice(node, "gather", s_knownGatherModes);
        return s_gatherModes.First(g => g.Name == name).Mode;
    }

    private static string ReadBug(ScenarioNodeReader reader, YamlNode node, List<string> earlier)
    {
        string bug = reader.ReadName(node, "bugs");
        if (!s_knownBugs.Contains(bug))
        {
            string known = s_knownBugs.Length == 0 ? "none yet" : string.Join(", ", s_knownBugs);
            throw reader.Error(node, $"unknown bug '{bug}' (known: {known})");
        }

        if (earlier.Contains(bug))
        {
            throw reader.Error(node, $"bug '{bug}' is listed twice");
        }

        return bug;
    }
}
