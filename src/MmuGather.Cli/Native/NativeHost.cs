using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace MmuGather.Cli.Native;

/// <summary>
/// What this host offers the native executor: Linux on x86-64, its CPUs, the
/// <c>tlb:tlb_flush</c> tracepoint (id and the numeric value of "remote IPI send") and
/// perf_event_open permission. <see cref="Probe"/> mounts tracefs when it is absent.
/// <see cref="Refusal"/> is null when everything needed is there.
/// </summary>
internal sealed partial record NativeHost(int Cpus, string Kernel, int TracepointId, int RemoteSendReason, string ThpEnabled, string? Refusal)
{
    private static readonly string[] s_tracefsRoots = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];
    private static readonly Lazy<NativeHost> s_current = new(Probe);

    /// <summary>The probe of this host, done once per process.</summary>
    public static NativeHost Current => s_current.Value;

    /// <summary>Where the counts come from, for reports.</summary>
    public string FlushSource => $"tlb:tlb_flush reason {RemoteSendReason} \"remote IPI send\" (one per flush round with another CPU in mm_cpumask), perf_event_open per CPU filtered to the threads of the worker processes";

    public const string FaultSource = "minflt of /proc/PID/stat of each worker process (includes populate faults, which perf's page-faults-min misses)";

    private static NativeHost Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return Refused($"the host is {RuntimeInformation.OSDescription}, not Linux: native runs real Linux system calls");
        }

        if (RuntimeInformation.OSArchitecture != Architecture.X64)
        {
            return Refused($"the host is {RuntimeInformation.OSArchitecture}, not x86-64: the native executor's system-call constants and the flush tracepoint are x86-64's");
        }

        int cpus = Environment.ProcessorCount;
        string kernel = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "unknown";
        string thp = ReadThp();
        string? events = FindEvents(out string mountNote);
        if (events is null)
        {
            return new NativeHost(cpus, kernel, 0, 0, thp, $"tracefs is not available ({mountNote}): cannot count remote flush rounds (tlb:tlb_flush)");
        }

        string dir = Path.Combine(events, "tlb", "tlb_flush");
        if (!File.Exists(Path.Combine(dir, "id")) || !File.Exists(Path.Combine(dir, "format")))
        {
            return new NativeHost(cpus, kernel, 0, 0, thp, $"the kernel has no tlb:tlb_flush tracepoint ({dir}): cannot count remote flush rounds");
        }

        int id = int.Parse(File.ReadAllText(Path.Combine(dir, "id")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Match m = RemoteSendPattern().Match(File.ReadAllText(Path.Combine(dir, "format")));
        if (!m.Success)
        {
            return new NativeHost(cpus, kernel, id, 0, thp, "tlb:tlb_flush has no \"remote IPI send\" reason in its format: cannot count remote flush rounds");
        }

        int reason = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        using PerfCounter? probe = PerfCounter.OpenCpuFlushRounds(0, id, reason, [Libc.gettid()], out string? error);
        if (probe is null)
        {
            return new NativeHost(cpus, kernel, id, reason, thp, $"a CPU-wide perf_event_open on the tlb:tlb_flush tracepoint is not allowed ({error}; run as root, or give CAP_PERFMON, or set kernel.perf_event_paranoid to 0 or less)");
        }

        return new NativeHost(cpus, kernel, id, reason, thp, null);
    }

    private static NativeHost Refused(string why) => new(0, "", 0, 0, "", why);

    private static string ReadThp()
    {
        const string path = "/sys/kernel/mm/transparent_hugepage/enabled";
        if (!File.Exists(path))
        {
            return "absent";
        }

        Match m = Regex.Match(File.ReadAllText(path), @"\[(\w+)\]");
        return m.Success ? m.Groups[1].Value : "unknown";
    }

    private static string? FindEvents(out string note)
    {
        note = "";
        foreach (string root in s_tracefsRoots)
        {
            if (Directory.Exists(Path.Combine(root, "events")))
            {
                return Path.Combine(root, "events");
            }
        }

        if (Directory.Exists(s_tracefsRoots[0]) && Libc.mount("nodev", s_tracefsRoots[0], "tracefs", 0, IntPtr.Zero) != 0)
        {
            note = $"mount -t tracefs nodev {s_tracefsRoots[0]} failed: {Libc.ErrnoText(Libc.Errno)}";
            return null;
        }

        string events = Path.Combine(s_tracefsRoots[0], "events");
        note = Directory.Exists(events) ? "" : $"{events} is missing after mounting tracefs";
        return Directory.Exists(events) ? events : null;
    }

    [GeneratedRegex(@"\{\s*(\d+)\s*,\s*""remote IPI send""\s*\}")]
    private static partial Regex RemoteSendPattern();
}
