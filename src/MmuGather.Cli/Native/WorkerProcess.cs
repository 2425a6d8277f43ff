using System.Diagnostics;
using System.Globalization;

namespace MmuGather.Cli.Native;

/// <summary>
/// A worker process (this program again, in a worker mode, its last argument the session's
/// pid): its pipes, its stderr, its resident pages. Disposing ends it (EOF, then a kill).
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly System.Text.StringBuilder _stderr = new();

    private WorkerProcess(Process process) => Process = process;

    public Process Process { get; }

    public bool Exited { get; set; }

    /// <summary>Resident pages when the worker said ready: the runtime's own, before any step.</summary>
    public long Footprint { get; set; }

    /// <summary>Resident pages now (the Rss of /proc/PID/smaps_rollup), 0 when it cannot be read.</summary>
    public long ReadRssPages()
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{Process.Id}/smaps_rollup"))
            {
                if (line.StartsWith("Rss:", StringComparison.Ordinal))
                {
                    return long.Parse(line[4..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 4;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            // Gone.
        }

        return 0;
    }

    private long _minorFaults;

    /// <summary>
    /// The process's minor faults (/proc/PID/stat field 10: live and exited threads),
    /// which unlike the perf software event include the faults taken for populate (GUP);
    /// the last value read once the process is gone.
    /// </summary>
    public long ReadMinorFaults()
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{Process.Id}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (!Exited)
            {
                _minorFaults = long.Parse(fields[7], CultureInfo.InvariantCulture);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone: keep the last value.
        }

        return _minorFaults;
    }

    /// <summary>
    /// Starts the worker already confined to <paramref name="cpus"/>: the child inherits
    /// the affinity of the thread that forks it, so this thread takes it on for the
    /// start. A worker that ran anywhere else, even for the runtime's start-up, would
    /// leave that CPU in its mm_cpumask, and x86 counts a remote round for every flush
    /// while a lazy CPU stays there (the model's process never ran on it).
    /// </summary>
    public static WorkerProcess Start(IReadOnlyList<string> args, ulong cpus)
    {
        var psi = WorkerCommand.StartInfo();
        foreach (string a in args.Append(Environment.ProcessId.ToString(CultureInfo.InvariantCulture)))
        {
            psi.ArgumentList.Add(a);
        }

        psi.RedirectStandardInput = true;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;

        // Fewer runtime-made mappings (and their flushes) inside the measured process:
        // no W^X double mapping of JIT code, no background re-JIT.
        psi.Environment["DOTNET_EnableWriteXorExecute"] = "0";
        psi.Environment["DOTNET_TieredCompilation"] = "0";
        psi.Environment["DOTNET_gcServer"] = "0";

        // One malloc arena grown with brk, and no mmap for blocks under 32 MiB: glibc's
        // allocator then maps nothing in the middle of the scenario's regions.
        psi.Environment["GLIBC_TUNABLES"] = "glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=33554432";
        var process = new Process { StartInfo = psi };
        var worker = new WorkerProcess(process);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (worker._stderr)
                {
                    worker._stderr.AppendLine(e.Data);
                }
            }
        };
        ulong before = Libc.Affinity(0);
        if (!Libc.Pin(0, cpus))
        {
            throw new InvalidOperationException($"cannot confine the worker to CPU mask 0x{cpus:x}: {Libc.ErrnoText(Libc.Errno)}");
        }

        try
        {
            process.Start();
        }
        finally
        {
            Libc.Pin(0, before);
        }

        process.BeginErrorReadLine();
        return worker;
    }

    public void Send(string line)
    {
        Process.StandardInput.Write(line + "\n");
        Process.StandardInput.Flush();
    }

    public string? ReadLine(TimeSpan timeout)
    {
        Task<string?> read = Process.StandardOutput.ReadLineAsync();
        return read.Wait(timeout) ? read.Result : throw Failure($"timed out after {timeout.TotalSeconds:0} s");
    }

    public Exception Failure(string what)
    {
        string err;
        lock (_stderr)
        {
            err = _stderr.ToString().Trim();
        }

        return new InvalidOperationException($"native worker {Process.Id} {what}" + (err.Length > 0 ? $": {err.ReplaceLineEndings(" | ")}" : ""));
    }

    /// <summary>The worker's threads now (none once it is gone).</summary>
    public IEnumerable<int> Threads()
    {
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{Process.Id}/task");
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }

        return tasks.Select(t => int.TryParse(Path.GetFileName(t), CultureInfo.InvariantCulture, out int tid) ? tid : 0).Where(t => t > 0);
    }

    public void Dispose()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.StandardInput.Close(); // EOF: the worker exits at once
                if (!Process.WaitForExit(2000))
                {
                    Process.Kill(entireProcessTree: true);
                    Process.WaitForExit(5000);
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }

        Process.Dispose();
    }
}
