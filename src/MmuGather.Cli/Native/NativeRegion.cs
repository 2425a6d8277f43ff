using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using MmuGather.Scenarios;

namespace MmuGather.Cli.Native;

/// <summary>A region of a worker process: where it lies, its file, which pages are still mapped.</summary>
internal sealed class NativeRegion(IntPtr start, ulong length, MappingKind kind, int fd)
{
    public IntPtr Start { get; } = start;

    public ulong Length { get; } = length;

    public MappingKind Kind { get; } = kind;

    public int Fd { get; } = fd;

    /// <summary>One bit per 4 KiB page: still mapped (not munmapped by the scenario).</summary>
    public BitArray Live { get; } = new((int)(length >> 12), true);
}
