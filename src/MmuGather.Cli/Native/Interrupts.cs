using System.Globalization;

namespace MmuGather.Cli.Native;

/// <summary>
/// The TLB row of /proc/interrupts: flush IPIs received, summed over CPUs. Where remote flushes
/// are real IPIs (bare metal, KVM without a paravirtual flush) it moves with them; on a PVM
/// guest the hypervisor flushes and it stays 0. It is system-wide: every process's flushes
/// and the host's background show in it, which the idle window measures.
/// </summary>
internal static class Interrupts
{
    public const string Source = "the TLB row of /proc/interrupts (flush IPIs received, summed over CPUs, system-wide: other processes' flushes included, see the idle column)";

    /// <summary>The row's sum now, or 0 when the kernel has no such row.</summary>
    public static long TlbRow()
    {
        foreach (string line in File.ReadLines("/proc/interrupts"))
        {
            string t = line.TrimStart();
            if (t.StartsWith("TLB:", StringComparison.Ordinal))
            {
                return t[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .TakeWhile(w => w.All(char.IsAsciiDigit))
                    .Sum(w => long.Parse(w, CultureInfo.InvariantCulture));
            }
        }

        return 0;
    }
}
