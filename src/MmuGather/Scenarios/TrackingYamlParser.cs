using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace MmuGather.Scenarios;

/// <summary>
/// An <see cref="IParser"/> decorator that remembers the last event and the collections still
/// open, so that a failure YamlDotNet reports without a position can still be given a line.
/// </summary>
internal sealed class TrackingYamlParser : IParser
{
    private readonly IParser _inner;
    private readonly Stack<ParsingEvent> _open = new();

    public TrackingYamlParser(IParser inner)
    {
        _inner = inner;
    }

    public ParsingEvent? Current => _inner.Current;

    /// <summary>The last event successfully read, if any.</summary>
    public ParsingEvent? Last { get; private set; }

    /// <summary>The innermost flow collection (<c>{...}</c> or <c>[...]</c>) not closed yet, if any.</summary>
    public ParsingEvent? InnermostOpenFlow => _open.FirstOrDefault(IsFlowStart);

    public bool MoveNext()
    {
        bool more = _inner.MoveNext();
        if (more && _inner.Current is { } current)
        {
            Track(current);
        }

        return more;
    }

    private static bool IsFlowStart(ParsingEvent e) =>
        e is MappingStart { Style: MappingStyle.Flow } or SequenceStart { Style: SequenceStyle.Flow };

    private void Track(ParsingEvent current)
    {
        Last = current;
        switch (current)
        {
            case MappingStart or SequenceStart:
                _open.Push(current);
                break;
            case MappingEnd or SequenceEnd when _open.Count > 0:
                _open.Pop();
                break;
        }
    }
}
