using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using MmuGather.Scenarios;

namespace MmuGather.Cli.Native;

/// <summary>A region of a worker process: where its mmap put it, its length and kind, its file.</summary>
internal sealed class NativeRegion(IntPtr start, ulong length, MappingKind kind, int fd)
{
    public IntPtr Start { get; } = start;

    public ulong Length { get; } = length;

    public MappingKind Kind { get; } = kind;

    public int Fd { get; } = fd;
}
