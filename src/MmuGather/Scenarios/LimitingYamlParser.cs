using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace MmuGather.Scenarios;

/// <summary>
/// An <see cref="IParser"/> decorator that enforces <see cref="ScenarioLimits.Depth"/> and
/// <see cref="ScenarioLimits.Nodes"/> event by event, before YamlDotNet's representation model
/// builds (recursively) what the events describe. An alias counts as every node of the tree its
/// anchor names, so a file of nested aliases is refused by what it would expand to.
/// </summary>
internal sealed class LimitingYamlParser : IParser
{
    private readonly IParser _inner;
    private readonly ScenarioNodeReader _reader;
    private readonly ScenarioLimits _limits;

    // The node count when each open collection started, and its anchor (if any): when it ends,
    // the difference is what an alias to that anchor stands for.
    private readonly Stack<(long StartCount, string? Anchor)> _open = new();
    private readonly Dictionary<string, long> _anchorSizes = new(StringComparer.Ordinal);
    private long _nodes;

    public LimitingYamlParser(IParser inner, ScenarioNodeReader reader, ScenarioLimits limits)
    {
        _inner = inner;
        _reader = reader;
        _limits = limits;
    }

    public ParsingEvent? Current => _inner.Current;

    public bool MoveNext()
    {
        bool more = _inner.MoveNext();
        if (more && _inner.Current is { } current)
        {
            Check(current);
        }

        return more;
    }

    private void Check(ParsingEvent e)
    {
        switch (e)
        {
            case MappingStart or SequenceStart:
                Open(e, ((NodeEvent)e).Anchor);
                break;
            case MappingEnd or SequenceEnd when _open.Count > 0:
                Close();
                break;
            case Scalar scalar:
                Count(e, 1);
                Remember(scalar.Anchor, 1);
                break;
            case AnchorAlias alias:
                Count(e, SizeOf(alias));
                break;
        }
    }

    private void Open(ParsingEvent e, AnchorName anchor)
    {
        if (_open.Count >= _limits.Depth)
        {
            throw _reader.Error(LineOf(e), $"the YAML nests deeper than {_limits.Depth} levels of mappings and sequences (limit {_limits.Depth})");
        }

        Count(e, 1);
        _open.Push((_nodes - 1, anchor.IsEmpty ? null : anchor.Value));
    }

    private void Close()
    {
        (long start, string? anchor) = _open.Pop();
        if (anchor is not null)
        {
            Remember(new AnchorName(anchor), _nodes - start);
        }
    }

    private void Remember(AnchorName anchor, long size)
    {
        if (!anchor.IsEmpty)
        {
            // A later anchor of the same name replaces the earlier one, as YAML says.
            _anchorSizes[anchor.Value] = size;
        }
    }

    private long SizeOf(AnchorAlias alias)
    {
        if (_anchorSizes.TryGetValue(alias.Value.Value, out long size))
        {
            return size;
        }

        if (_open.Any(o => o.Anchor == alias.Value.Value))
        {
            // No scenario shape contains itself; following such an alias would never end.
            throw _reader.Error(LineOf(alias), $"alias '*{alias.Value.Value}' refers to a node that contains it (a recursive structure)");
        }

        return 1; // Unknown anchor: YamlDotNet reports it with its own message.
    }

    private void Count(ParsingEvent e, long nodes)
    {
        _nodes += nodes;
        if (_nodes > _limits.Nodes)
        {
            throw _reader.Error(LineOf(e), $"the YAML has more than {_limits.Nodes} nodes once aliases are expanded (limit {_limits.Nodes})");
        }
    }

    private static int LineOf(ParsingEvent e) => Math.Max(1, ScenarioNodeReader.ToLine(e.Start.Line));
}
