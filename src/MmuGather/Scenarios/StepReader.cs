using YamlDotNet.RepresentationModel;

namespace MmuGather.Scenarios;

/// <summary>
/// Reads the <c>steps:</c> of a thread. Each step is a one-key mapping (<c>- mmap: {...}</c>);
/// <c>spin</c>, <c>exit</c> and <c>exit_group</c> may also be written alone (<c>- spin</c>).
/// Nothing may follow an <c>exit_group</c> in its thread (the thread is gone).
/// </summary>
internal static class StepReader
{
    /// <summary>A touch may repeat its pass over the range at most this many times (every loop is bounded).</summary>
    public const long MaxRepeat = 1_000_000;

    private static readonly string[] s_stepNames = ["mmap", "munmap", "madvise", "touch", "gup_fast", "writeback", "spin", "exit", "exit_group", "mprotect", "mremap", "fork"];
    private static readonly string[] s_bareSteps = ["spin", "exit", "exit_group"];
    private static readonly string[] s_mmapKeys = ["name", "length", "populate", "kind", "thp"];
    private static readonly string[] s_munmapKeys = ["region", "offset", "length"];
    private static readonly string[] s_mremapKeys = ["region", "length", "may_move"];
    private static readonly string[] s_madviseKeys = ["region", "advice", "offset", "length"];
    private static readonly string[] s_accessKeys = ["region", "write", "offset", "length"];
    private static readonly string[] s_touchKeys = ["region", "write", "offset", "length", "repeat"];
    private static readonly string[] s_writebackKeys = ["region", "repeat"];
    private static readonly string[] s_forkKeys = ["child"];
    private static readonly string[] s_advices = ["dontneed"];
    private static readonly string[] s_mprotectKeys = ["region", "prot", "offset", "length"];
    private static readonly string[] s_prots = ["none", "r", "rw", "rx", "rwx"];
    private static readonly string[] s_kinds = ["anon", "file-shared", "file-private"];

    public static List<Step> ReadAll(ScenarioNodeReader reader, YamlNode node)
    {
        var steps = new List<Step>();
        foreach (YamlNode item in reader.ReadSequence(node, "steps"))
        {
            if (steps.Count > 0 && steps[^1] is ExitGroupStep group)
            {
                throw reader.Error(item, $"a step after exit_group (line {group.Line}): the thread and its process are gone by then");
            }

            steps.Add(Read(reader, item));
        }

        return steps;
    }

    private static Step Read(ScenarioNodeReader reader, YamlNode node)
    {
        (string name, YamlNode? args) = Split(reader, node);
        int line = ScenarioNodeReader.LineOf(node);
        YamlMappingView Args(string[] keys) =>
            YamlMappingView.OpenOptional(reader, args, line, $"the arguments of '{name}'", $"in '{name}'", keys);

        // spin, exit and exit_group take no arguments; opening an empty key list still rejects any key.
        Step NoArgs(Step step)
        {
            _ = Args([]);
            return step;
        }

        return name switch
        {
            "mmap" => ReadMmap(reader, Args(s_mmapKeys), line),
            "munmap" => ReadMunmap(reader, Args(s_munmapKeys), line),
            "madvise" => ReadMadvise(reader, Args(s_madviseKeys), line),
            "mremap" => ReadMremap(reader, Args(s_mremapKeys), line),
            "touch" => ReadTouch(reader, Args(s_touchKeys), line),
            "writeback" => ReadWriteback(reader, Args(s_writebackKeys), line),
            "gup_fast" => ReadGupFast(reader, Args(s_accessKeys), line),
            "mprotect" => ReadMprotect(reader, Args(s_mprotectKeys), line),
            "spin" => NoArgs(new SpinStep(line)),
            "exit" => NoArgs(new ExitStep(line)),
            "exit_group" => NoArgs(new ExitGroupStep(line)),
            "fork" => new ForkStep(line, reader.ReadName(Args(s_forkKeys).Required("child"), "child")),
            _ => throw reader.Error(node, $"unknown step '{name}' (expected one of: {string.Join(", ", s_stepNames)})"),
        };
    }

    /// <summary>Splits a step into its name and its (possibly absent) arguments.</summary>
    private static (string Name, YamlNode? Args) Split(ScenarioNodeReader reader, YamlNode node)
    {
        if (node is YamlScalarNode { Value: { Length: > 0 } bare } && !ScenarioNodeReader.IsNull(node))
        {
            if (s_stepNames.Contains(bare) && !s_bareSteps.Contains(bare))
            {
                throw reader.Error(node, $"step '{bare}' needs its arguments, as in '- {bare}: {{ ... }}' (only spin, exit and exit_group may stand alone)");
            }

            return (bare, null);
        }

        if (node is not YamlMappingNode mapping)
        {
            throw reader.Error(node, $"each step must be a mapping such as '- mmap: {{ ... }}', got {ScenarioNodeReader.Describe(node)}");
        }

        if (mapping.Children.Count != 1)
        {
            throw reader.Error(node, OneKeyMessage(mapping));
        }

        (YamlNode key, YamlNode value) = mapping.Children.First();
        return (reader.ReadName(key, "step name"), value);
    }

    private static string OneKeyMessage(YamlMappingNode mapping)
    {
        string keys = string.Join(", ", mapping.Children.Keys.Select(ScenarioNodeReader.Describe));
        return mapping.Children.Count == 0
            ? "a step must have exactly one key, the step name, got an empty mapping"
            : $"a step must have exactly one key, the step name, got {mapping.Children.Count} ({keys}); check the indentation of its arguments";
    }

    private static MmapStep ReadMmap(ScenarioNodeReader reader, YamlMappingView args, int line)
    {
        string name = reader.ReadName(args.Required("name"), "name");
        ulong length = reader.ReadPageLength(args.Required("length"), "length");
        bool populate = args.Optional("populate") is { } p && reader.ReadBool(p, "populate");
        MappingKind kind = args.Optional("kind") is { } k ? ToKind(reader.ReadChoice(k, "kind", s_kinds)) : MappingKind.Anon;
        YamlNode? thpNode = args.Optional("thp");
        bool thp = thpNode is not null && reader.ReadBool(thpNode, "thp");
        if (thp && kind != MappingKind.Anon)
        {
            throw reader.Error(thpNode!, "thp is only supported for anon mappings");
        }

        return new MmapStep(line, name, length, populate, kind, thp);
    }

    private static MappingKind ToKind(string text) => text switch
    {
        "file-shared" => MappingKind.FileShared,
        "file-private" => MappingKind.FilePrivate,
        _ => MappingKind.Anon,
    };

    private static MunmapStep ReadMunmap(ScenarioNodeReader reader, YamlMappingView args, int line)
    {
        (string region, ulong offset, ulong? length) = ReadRange(reader, args);
        return new MunmapStep(line, region, offset, length);
    }

    private static MremapStep ReadMremap(ScenarioNodeReader reader, YamlMappingView args, int line)
    {
        string region = reader.ReadName(args.Required("region"), "region");
        ulong length = reader.ReadPageLength(args.Required("length"), "length");
        bool mayMove = args.Optional("may_move") is { } m && reader.ReadBool(m, "may_move");
        return new MremapStep(line, region, length, mayMove);
    }

    private static MadviseStep ReadMadvise(ScenarioNodeReader reader, YamlMappingView args, int line)
    {
        (string region, ulong offset, ulong? length) = ReadRange(reader, args);
        string advice = reader.ReadChoice(args.Required("advice"), "advice", s_advices);
        return new MadviseStep(line, region, advice, offset, length);
    }

    private static MprotectStep ReadMprotect(ScenarioNodeReader reader, YamlMappingView args, int line)
    {
        (string region, ulong offset, ulong? length) = ReadRange(reader, args);
        string prot = reader.ReadChoice(args.Required("prot"), "prot", s_prots);
        return new MprotectStep(line, region, prot, offset, length);
    }

    private static TouchStep ReadTouch(ScenarioNodeReader reader, YamlMappingView args, int line)
    {
        (string region, ulong offset, ulong? length) = ReadRange(reader, args);
        return new TouchStep(line, region, ReadWrite(reader, args), offset, length, ReadRepeat(reader, args));
    }

    private static WritebackStep ReadWriteback(ScenarioNodeReader reader, YamlMappingView args, int line)
    {
        string region = reader.ReadName(args.Required("region"), "region");
        return new WritebackStep(line, region, ReadRepeat(reader, args));
    }

    private static int ReadRepeat(ScenarioNodeReader reader, YamlMappingView args) =>
        args.Optional("repeat") is { } r ? (int)reader.ReadInteger(r, "repeat", 1, MaxRepeat) : 1;

    private static GupFastStep ReadGupFast(ScenarioNodeReader reader, YamlMappingView args, int line)
    {
        (string region, ulong offset, ulong? length) = ReadRange(reader, args);
        return new GupFastStep(line, region, ReadWrite(reader, args), offset, length);
    }

    private static bool ReadWrite(ScenarioNodeReader reader, YamlMappingView args) =>
        args.Optional("write") is { } w && reader.ReadBool(w, "write");

    /// <summary>region (required), offset (default 0, page aligned), length (optional, non-zero, page aligned).</summary>
    private static (string Region, ulong Offset, ulong? Length) ReadRange(ScenarioNodeReader reader, YamlMappingView args)
    {
        string region = reader.ReadName(args.Required("region"), "region");
        ulong offset = 0;
        if (args.Optional("offset") is { } o)
        {
            offset = reader.ReadLength(o, "offset");
            reader.RequirePageAligned(o, "offset", offset);
        }

        ulong? length = args.Optional("length") is { } l ? reader.ReadPageLength(l, "length") : null;
        return (region, offset, length);
    }
}
