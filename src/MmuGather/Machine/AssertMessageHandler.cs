using System.Runtime.CompilerServices;

namespace MmuGather.Machine;

/// <summary>
/// Builds an assertion message only when the assertion fails, so that
/// <c>Diag.Assert(ok, $"pfn 0x{pfn:x} ...")</c> costs nothing on the hot path.
/// </summary>
[InterpolatedStringHandler]
public ref struct AssertMessageHandler
{
    private DefaultInterpolatedStringHandler _inner;
    private readonly bool _active;

    public AssertMessageHandler(int literalLength, int formattedCount, bool condition, out bool shouldAppend)
    {
        _active = !condition;
        shouldAppend = _active;
        _inner = _active ? new DefaultInterpolatedStringHandler(literalLength, formattedCount) : default;
    }

    public void AppendLiteral(string value) => _inner.AppendLiteral(value);

    public void AppendFormatted<T>(T value) => _inner.AppendFormatted(value);

    public void AppendFormatted<T>(T value, string? format) => _inner.AppendFormatted(value, format);

    public void AppendFormatted(string? value) => _inner.AppendFormatted(value);

    public string ToStringAndClear() => _active ? _inner.ToStringAndClear() : string.Empty;
}
