using MmuGather.Scenarios;

namespace MmuGather.Cli.Native;

/// <summary>
/// The order the model's <c>turns</c> strategy runs steps in, for the host to follow: threads
/// in file order, one whole step each, round robin; a thread whose next step names a region
/// its process has not mapped yet is passed over; a stopped thread (its access took SIGSEGV)
/// runs nothing more.
/// </summary>
internal sealed class TurnOrder
{
    private readonly IReadOnlyList<(ThreadSpec Spec, int Process)> _threads;
    private readonly int[] _next;
    private readonly bool[] _stopped;
    private readonly HashSet<string>[] _mapped;
    private int _current;

    public TurnOrder(IReadOnlyList<(ThreadSpec Spec, int Process)> threads, int processes)
    {
        _threads = threads;
        _next = new int[threads.Count];
        _stopped = new bool[threads.Count];
        _mapped = Enumerable.Range(0, processes).Select(_ => new HashSet<string>(StringComparer.Ordinal)).ToArray();
        _current = threads.Count - 1;
    }

    /// <summary>Every thread of <paramref name="scenario"/> in file order, with its process index.</summary>
    public static TurnOrder Of(Scenario scenario) =>
        new(scenario.Processes.SelectMany((p, i) => p.Threads.Select(t => (t, i))).ToList(), scenario.Processes.Count);

    /// <summary>The thread (global index) whose turn it is and the index of its step; null when every thread is done.</summary>
    public (int Thread, int Step)? Next()
    {
        for (int d = 1; d <= _threads.Count; d++)
        {
            int i = (_current + d) % _threads.Count;
            if (HasWork(i) && Ready(_threads[i].Spec.Steps[_next[i]], _mapped[_threads[i].Process]))
            {
                _current = i;
                return (i, _next[i]);
            }
        }

        if (Enumerable.Range(0, _threads.Count).Any(HasWork))
        {
            throw new InvalidOperationException("every thread left waits for a region no thread maps");
        }

        return null;
    }

    /// <summary>The step <see cref="Next"/> gave has run.</summary>
    public void Ran(int thread)
    {
        if (_threads[thread].Spec.Steps[_next[thread]] is MmapStep m)
        {
            _mapped[_threads[thread].Process].Add(m.Name);
        }

        _next[thread]++;
    }

    /// <summary>The thread runs nothing more (its access took SIGSEGV).</summary>
    public void Stop(int thread) => _stopped[thread] = true;

    private bool HasWork(int i) => !_stopped[i] && _next[i] < _threads[i].Spec.Steps.Count;

    private static bool Ready(Step step, HashSet<string> mapped) => step switch
    {
        MunmapStep s => mapped.Contains(s.Region),
        MadviseStep s => mapped.Contains(s.Region),
        MremapStep s => mapped.Contains(s.Region),
        MprotectStep s => mapped.Contains(s.Region),
        TouchStep s => mapped.Contains(s.Region),
        WritebackStep s => mapped.Contains(s.Region),
        GupFastStep s => mapped.Contains(s.Region),
        _ => true,
    };
}
