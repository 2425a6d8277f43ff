namespace MmuGather.Mm;

/// <summary>
/// Event counters of the modelled kernel, indexed by <see cref="Counter"/> so that the hot
/// paths pay one array increment. IPI counts live on the CPUs (like /proc/interrupts) and
/// are summed in by the simulation when it reports.
/// </summary>
public sealed class KernelCounters
{
    private readonly long[] _values = new long[Enum.GetValues<Counter>().Length];

    public void Add(Counter counter, long delta = 1) => _values[(int)counter] += delta;

    public long this[Counter counter] => _values[(int)counter];

    /// <summary>The JSON key of a counter: its name in snake_case.</summary>
    public static string KeyOf(Counter counter) => s_keys[(int)counter];

    private static readonly string[] s_keys = Enum.GetValues<Counter>().Select(c => ToSnake(c.ToString())).ToArray();

    private static string ToSnake(string name)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(name[i]));
        }

        return sb.ToString();
    }
}
