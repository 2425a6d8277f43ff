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

    /// <summary>
    /// The PROT_* bits of each page as the region's mprotect steps left them (read and write
    /// at mmap), so that a touch reports the access that would take SIGSEGV instead of making
    /// it. Shared by the threads of the process, which take turns.
    /// </summary>
    public byte[] Prot { get; } = Enumerable.Repeat((byte)(Libc.ProtRead | Libc.ProtWrite), (int)(length >> 12)).ToArray();

    /// <summary>The first page in [start, end) (addresses) that an access (a store if <paramref name="write"/>) may not touch.</summary>
    public ulong? FirstForbidden(ulong start, ulong end, bool write)
    {
        int need = write ? Libc.ProtWrite : Libc.ProtRead | Libc.ProtWrite | Libc.ProtExec; // x86: any right allows a load
        for (ulong page = start; page < end; page += 4096)
        {
            if ((Prot[(int)((page - (ulong)Start) >> 12)] & need) == 0)
            {
                return page;
            }
        }

        return null;
    }
}
