using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace MmuGather.Scenarios;

/// <summary>
/// Loads scenario text into a single YAML root node, turning every YamlDotNet failure (and the
/// empty or multi-document cases) into a <see cref="ScenarioException"/> with a line.
/// </summary>
internal static class YamlDocumentLoader
{
    private const string DuplicateKeyPrefix = "Duplicate key ";

    public static YamlNode LoadRoot(string text, ScenarioNodeReader reader, ScenarioLimits limits)
    {
        YamlStream stream = Load(text, reader, limits);
        if (stream.Documents.Count == 0)
        {
            throw reader.Error(1, "the file is empty (expected a mapping with at least 'name' and 'processes')");
        }

        if (stream.Documents.Count > 1)
        {
            YamlNode second = stream.Documents[1].RootNode;
            throw reader.Error(second, $"the file must hold a single YAML document, found {stream.Documents.Count}");
        }

        return stream.Documents[0].RootNode;
    }

    private static YamlStream Load(string text, ScenarioNodeReader reader, ScenarioLimits limits)
    {
        var parser = new TrackingYamlParser(new Parser(new StringReader(text)));
        var stream = new YamlStream();
        try
        {
            // The limits see each event before the representation model recurses into it.
            stream.Load(new LimitingYamlParser(parser, reader, limits));
        }
        catch (YamlException ex)
        {
            throw FromYamlException(ex, reader);
        }
        catch (Exception ex) when (ex is not ScenarioException)
        {
            throw FromUnpositionedFailure(parser, reader);
        }

        return stream;
    }

    private static ScenarioException FromYamlException(YamlException ex, ScenarioNodeReader reader)
    {
        long line = ex.Start.Line > 0 ? ex.Start.Line : ex.End.Line;
        string message = ex.Message.Trim().TrimEnd('.');
        if (message.StartsWith(DuplicateKeyPrefix, StringComparison.Ordinal))
        {
            message = $"duplicate key '{message[DuplicateKeyPrefix.Length..]}'";
        }

        return reader.Error(Math.Max(1, ScenarioNodeReader.ToLine(line)), $"malformed YAML: {message}");
    }

    /// <summary>YamlDotNet sometimes fails without a position (e.g. an unclosed <c>{</c>): point at the likely culprit.</summary>
    private static ScenarioException FromUnpositionedFailure(TrackingYamlParser parser, ScenarioNodeReader reader)
    {
        if (parser.InnermostOpenFlow is { } open)
        {
            string closer = open is MappingStart ? "}" : "]";
            string kind = open is MappingStart ? "mapping" : "sequence";
            return reader.Error(
                LineOf(open),
                $"malformed YAML: the flow {kind} started on this line is not closed properly (missing '{closer}'?)");
        }

        int line = parser.Last is { } last ? LineOf(last) : 1;
        return reader.Error(line, "malformed YAML: the parser failed after this line");
    }

    private static int LineOf(ParsingEvent e) => Math.Max(1, ScenarioNodeReader.ToLine(e.Start.Line));
}
