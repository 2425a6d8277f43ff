namespace MmuGather.Mm;

/// <summary>struct vm_area_struct: [Start, End) of one mapping, its flags and backing.</summary>
public sealed class Vma
{
    public Vma(MmStruct mm, ulong start, ulong end, VmFlags flags, SimFile? file, long pgoff, string name)
    {
        Mm = mm;
        Start = start;
        End = end;
        Flags = flags;
        File = file;
        PgOff = pgoff;
        Name = name;
    }

    public MmStruct Mm { get; }

    public ulong Start { get; internal set; }

    public ulong End { get; internal set; }

    /// <summary>vm_flags; mprotect changes the access bits (vm_flags_reset under the mmap lock for write).</summary>
    public VmFlags Flags { get; internal set; }

    /// <summary>vm_file; null for anonymous memory.</summary>
    public SimFile? File { get; }

    /// <summary>vm_pgoff: file offset of Start, in pages.</summary>
    public long PgOff { get; internal set; }

    /// <summary>
    /// The scenario's region name (for messages). A vma that grew by merging keeps its own
    /// name, the older mapping's: so one name may cover several regions, and a region is
    /// found by its address, never by a vma's name.
    /// </summary>
    public string Name { get; }

    /// <summary>vm_area_struct.anon_vma: null until the first anonymous page is faulted in.</summary>
    public AnonVma? AnonVma { get; internal set; }

    public bool IsAnonymous => File is null;

    public bool IsShared => (Flags & VmFlags.Shared) != 0;

    public bool Writable => (Flags & VmFlags.Write) != 0;

    /// <summary>vma_is_accessible: some access is allowed (VM_READ, VM_WRITE or VM_EXEC).</summary>
    public bool Accessible => (Flags & (VmFlags.Read | VmFlags.Write | VmFlags.Exec)) != 0;

    public override string ToString() => $"{Name}[0x{Start:x}-0x{End:x})";
}
