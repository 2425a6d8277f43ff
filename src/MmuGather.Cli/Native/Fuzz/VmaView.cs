namespace MmuGather.Cli.Native.Fuzz;

/// <summary>
/// One vma as /proc/PID/maps shows it, its bounds as signed offsets from the layout origin:
/// the model's mmap_base, or natively the top of the worker's arena (which is placed so that
/// it is congruent to mmap_base modulo 512 GiB: page tables are shared and freed alike).
/// </summary>
/// <param name="Start">vm_start - origin (negative: below the origin).</param>
/// <param name="End">vm_end - origin.</param>
/// <param name="Perms">The maps permission field: "rw-p" (private) or "rw-s" (shared).</param>
/// <param name="File">True for a file mapping, false for anonymous memory.</param>
internal sealed record VmaView(long Start, long End, string Perms, bool File);
