namespace MmuGather.Machine;

/// <summary>One cached translation: (asid, virtual page) to (frame, generation at fill time).</summary>
public struct TlbEntry
{
    public ulong Vpn;
    public int Asid;
    public int Pfn;
    public uint Generation;
    public bool Valid;
    public bool Writable;
    public bool Dirty;
}
