using YamlDotNet.RepresentationModel;

namespace MmuGather.Scenarios;

/// <summary>
/// A YAML mapping whose keys have been checked against the keys allowed in its context, with
/// lookups that report missing required keys at the mapping's line.
/// </summary>
internal sealed class YamlMappingView
{
    private readonly ScenarioNodeReader _reader;
    private readonly Dictionary<string, YamlNode> _values;
    private readonly string _context;

    private YamlMappingView(ScenarioNodeReader reader, Dictionary<string, YamlNode> values, int line, string context)
    {
        _reader = reader;
        _values = values;
        _context = context;
        Line = line;
    }

    /// <summary>Line of the mapping (or of whatever stood in for it).</summary>
    public int Line { get; }

    /// <summary>
    /// Opens <paramref name="node"/>, which must be a mapping. <paramref name="what"/> names it in
    /// the type error ("'machine'"), <paramref name="context"/> in key errors ("in 'machine'").
    /// </summary>
    public static YamlMappingView Open(
        ScenarioNodeReader reader, YamlNode node, string what, string context, IReadOnlyList<string> keys)
    {
        if (node is not YamlMappingNode mapping)
        {
            throw reader.Error(node, $"{what} must be a mapping, got {ScenarioNodeReader.Describe(node)}");
        }

        return new YamlMappingView(reader, ReadKeys(reader, mapping, context, keys), ScenarioNodeReader.LineOf(node), context);
    }

    /// <summary>Like <see cref="Open"/>, but a missing or empty value reads as an empty mapping at <paramref name="line"/>.</summary>
    public static YamlMappingView OpenOptional(
        ScenarioNodeReader reader, YamlNode? node, int line, string what, string context, IReadOnlyList<string> keys)
    {
        if (node is null || ScenarioNodeReader.IsNull(node))
        {
            return new YamlMappingView(reader, [], line, context);
        }

        YamlMappingView view = Open(reader, node, what, context, keys);
        return new YamlMappingView(reader, view._values, line, context);
    }

    public YamlNode? Optional(string key) => _values.GetValueOrDefault(key);

    public YamlNode Required(string key) =>
        Optional(key) ?? throw _reader.Error(Line, $"missing required key '{key}' {_context}");

    private static Dictionary<string, YamlNode> ReadKeys(
        ScenarioNodeReader reader, YamlMappingNode mapping, string context, IReadOnlyList<string> keys)
    {
        var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach ((YamlNode keyNode, YamlNode value) in mapping.Children)
        {
            string key = KeyName(reader, keyNode, context);
            if (!keys.Contains(key))
            {
                throw reader.Error(keyNode, $"unknown key '{key}' {context} {Expected(keys)}");
            }

            values[key] = value;
        }

        return values;
    }

    private static string KeyName(ScenarioNodeReader reader, YamlNode keyNode, string context)
    {
        if (keyNode is not YamlScalarNode { Value: { Length: > 0 } key })
        {
            throw reader.Error(keyNode, $"keys {context} must be plain names, got {ScenarioNodeReader.Describe(keyNode)}");
        }

        return key;
    }

    private static string Expected(IReadOnlyList<string> keys) =>
        keys.Count == 0 ? "(it takes no keys)" : $"(expected one of: {string.Join(", ", keys)})";
}
