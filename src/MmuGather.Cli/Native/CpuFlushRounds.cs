namespace MmuGather.Cli.Native;

/// <summary>
/// Remote flush rounds sent by a set of threads, counted on every CPU (see
/// <see cref="PerfCounter"/> for why per CPU). The kernel lets a perf event's filter be set
/// only once (a second PERF_EVENT_IOC_SET_FILTER fails with EEXIST), so widening the set
/// closes the events and opens new ones, carrying the count over. Widen between steps only:
/// the threads counted are idle then.
/// </summary>
internal sealed class CpuFlushRounds(NativeHost host) : IDisposable
{
    private readonly HashSet<int> _tids = [];
    private List<PerfCounter> _counters = [];
    private long _carried;

    /// <summary>Counts <paramref name="tids"/> too from now on (no-op when none is new).</summary>
    public void Widen(IEnumerable<int> tids)
    {
        int before = _tids.Count;
        _tids.UnionWith(tids);
        if (_tids.Count == before && _counters.Count > 0)
        {
            return;
        }

        long sum = Read();
        Close();
        _carried = sum;
        for (int cpu = 0; cpu < host.Cpus; cpu++)
        {
            _counters.Add(PerfCounter.OpenCpuFlushRounds(cpu, host.TracepointId, host.RemoteSendReason, _tids, out string? error)
                ?? throw new InvalidOperationException($"cannot count flush rounds on CPU {cpu}: {error}"));
        }
    }

    /// <summary>Rounds counted so far, over every CPU.</summary>
    public long Read() => _carried + _counters.Sum(c => c.Read());

    public void Dispose() => Close();

    private void Close()
    {
        foreach (PerfCounter c in _counters)
        {
            c.Dispose();
        }

        _counters = [];
    }
}
