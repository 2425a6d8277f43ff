using YamlDotNet.RepresentationModel;

namespace MmuGather.Scenarios;

/// <summary>Reads the <c>machine:</c> mapping of a scenario into a <see cref="MachineSpec"/>.</summary>
internal static class MachineSpecReader
{
    public const int MaxCpus = 64;
    public const ulong MinMemory = 1UL << 20;
    public const ulong MaxMemory = 64UL << 30;
    public const int MaxCacheEntries = 1 << 20;

    private static readonly string[] s_keys = ["arch", "cpus", "memory", "tlb", "walk_cache", "fail_alloc"];
    private static readonly string[] s_tlbKeys = ["entries", "ways"];
    private static readonly string[] s_walkCacheKeys = ["entries"];
    private static readonly string[] s_failKeys = ["site", "nth", "count"];
    private static readonly string[] s_failSites = ["user-page", "page-table", "gather-batch", "table-batch"];

    public static MachineSpec Read(ScenarioNodeReader reader, YamlNode node)
    {
        MachineSpec d = MachineSpec.Default;
        var map = YamlMappingView.OpenOptional(
            reader, node, ScenarioNodeReader.LineOf(node), "'machine'", "in 'machine'", s_keys);
        string arch = map.Optional("arch") is { } a ? reader.ReadChoice(a, "arch", ScenarioParser.KnownArchitectures) : d.Arch;
        int cpus = map.Optional("cpus") is { } c ? (int)reader.ReadInteger(c, "cpus", 1, MaxCpus) : d.Cpus;
        ulong memory = map.Optional("memory") is { } m ? ReadMemory(reader, m) : d.MemoryBytes;
        (int entries, int ways) = map.Optional("tlb") is { } t ? ReadTlb(reader, t, d) : (d.TlbEntries, d.TlbWays);
        int walk = map.Optional("walk_cache") is { } w ? ReadWalkCache(reader, w, d) : d.WalkCacheEntries;
        IReadOnlyList<AllocFailureSpec> failures =
            map.Optional("fail_alloc") is { } f ? ReadFailures(reader, f) : d.FailAllocations;
        return new MachineSpec(arch, cpus, memory, entries, ways, walk, failures);
    }

    private static ulong ReadMemory(ScenarioNodeReader reader, YamlNode node)
    {
        ulong bytes = reader.ReadLength(node, "memory");
        if (bytes < MinMemory || bytes > MaxMemory)
        {
            throw reader.Error(node, $"'memory' must be between 1 MiB and 64 GiB, got {ScenarioNodeReader.Hex(bytes)}");
        }

        reader.RequirePageAligned(node, "memory", bytes);
        return bytes;
    }

    private static (int Entries, int Ways) ReadTlb(ScenarioNodeReader reader, YamlNode node, MachineSpec d)
    {
        var map = YamlMappingView.Open(reader, node, "'tlb'", "in 'tlb'", s_tlbKeys);
        int entries = map.Optional("entries") is { } e ? (int)reader.ReadInteger(e, "entries", 1, MaxCacheEntries) : d.TlbEntries;
        int ways = map.Optional("ways") is { } w ? (int)reader.ReadInteger(w, "ways", 1, MaxCacheEntries) : d.TlbWays;
        if (entries < ways)
        {
            throw reader.Error(node, $"tlb 'entries' ({entries}) must be at least 'ways' ({ways})");
        }

        if (entries % ways != 0)
        {
            throw reader.Error(node, $"tlb 'entries' ({entries}) must be a multiple of 'ways' ({ways})");
        }

        return (entries, ways);
    }

    private static int ReadWalkCache(ScenarioNodeReader reader, YamlNode node, MachineSpec d)
    {
        var map = YamlMappingView.Open(reader, node, "'walk_cache'", "in 'walk_cache'", s_walkCacheKeys);
        return map.Optional("entries") is { } e
            ? (int)reader.ReadInteger(e, "entries", 1, MaxCacheEntries)
            : d.WalkCacheEntries;
    }

    private static List<AllocFailureSpec> ReadFailures(ScenarioNodeReader reader, YamlNode node) =>
        reader.ReadSequence(node, "fail_alloc").Select(item => ReadFailure(reader, item)).ToList();

    private static AllocFailureSpec ReadFailure(ScenarioNodeReader reader, YamlNode node)
    {
        var map = YamlMappingView.Open(reader, node, "each 'fail_alloc' entry", "in a 'fail_alloc' entry", s_failKeys);
        string site = reader.ReadChoice(map.Required("site"), "site", s_failSites);
        long nth = reader.ReadInteger(map.Required("nth"), "nth", 1, long.MaxValue);
        long? count = map.Optional("count") is { } c ? reader.ReadInteger(c, "count", 1, long.MaxValue) : null;
        return new AllocFailureSpec(site, nth, count, map.Line);
    }
}
