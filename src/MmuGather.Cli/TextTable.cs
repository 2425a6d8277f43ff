using System.Text;

namespace MmuGather.Cli;

/// <summary>A plain-text table: a header row and data rows, columns padded to their widest cell.</summary>
public sealed class TextTable
{
    private const string Gap = "  ";

    private readonly string[] _headers;
    private readonly ColumnAlignment[] _alignments;
    private readonly List<string[]> _rows = [];

    /// <summary>A table with the given columns; pass an empty header for a table printed without one.</summary>
    public TextTable(params (string Header, ColumnAlignment Alignment)[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _headers = columns.Select(c => c.Header).ToArray();
        _alignments = columns.Select(c => c.Alignment).ToArray();
    }

    /// <summary>
    /// Appends a titled section of named numbers (a blank line, the title, then the names and
    /// right-aligned values under <paramref name="indent"/>), or <paramref name="whenEmpty"/>
    /// under the title when there are none.
    /// </summary>
    public static void AppendNamedNumbers(StringBuilder sb, string title, IEnumerable<KeyValuePair<string, long>> rows, string indent, string whenEmpty)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(rows);
        sb.Append('\n').Append(title).Append('\n');
        var table = new TextTable(("", ColumnAlignment.Left), ("", ColumnAlignment.Right));
        foreach ((string name, long value) in rows)
        {
            table.AddRow(name, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (table._rows.Count == 0)
        {
            sb.Append(indent).Append(whenEmpty).Append('\n');
            return;
        }

        table.AppendTo(sb, indent, withHeader: false);
    }

    /// <summary>Appends a row; it must have one cell per column.</summary>
    public void AddRow(params string[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != _headers.Length)
        {
            throw new ArgumentException($"a row needs {_headers.Length} cells, got {cells.Length}", nameof(cells));
        }

        _rows.Add(cells);
    }

    /// <summary>Appends the table to <paramref name="sb"/>, each line indented and ended with '\n'.</summary>
    public void AppendTo(StringBuilder sb, string indent, bool withHeader)
    {
        ArgumentNullException.ThrowIfNull(sb);
        int[] widths = Widths(withHeader);
        if (withHeader)
        {
            AppendLine(sb, indent, _headers, widths);
        }

        foreach (string[] row in _rows)
        {
            AppendLine(sb, indent, row, widths);
        }
    }

    private int[] Widths(bool withHeader)
    {
        var widths = new int[_headers.Length];
        for (int c = 0; c < widths.Length; c++)
        {
            int header = withHeader ? _headers[c].Length : 0;
            widths[c] = _rows.Select(r => r[c].Length).DefaultIfEmpty(0).Max();
            widths[c] = Math.Max(widths[c], header);
        }

        return widths;
    }

    private void AppendLine(StringBuilder sb, string indent, string[] cells, int[] widths)
    {
        var line = new StringBuilder(indent);
        for (int c = 0; c < cells.Length; c++)
        {
            if (c > 0)
            {
                line.Append(Gap);
            }

            line.Append(_alignments[c] == ColumnAlignment.Right ? cells[c].PadLeft(widths[c]) : cells[c].PadRight(widths[c]));
        }

        sb.Append(line.ToString().TrimEnd()).Append('\n');
    }
}
