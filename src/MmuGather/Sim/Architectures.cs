using MmuGather.Arch.X86;
using MmuGather.Machine;
using MmuGather.Mm;

namespace MmuGather.Sim;

/// <summary>
/// The registry of back-ends: one line per architecture, naming its factory and, for
/// hardware whose page tables are not x86-64's shape, its paging geometry (the machine's
/// memory, TLBs and walk caches are built before the back-end, so the registry says it).
/// docs/adding-an-architecture.md walks through adding one.
/// </summary>
public static class Architectures
{
    private static readonly Dictionary<string, Registration> s_registry = new(StringComparer.Ordinal)
    {
        ["x86"] = new(k => new X86Mmu(k)),
        ["x86-invlpgb"] = new(k => new X86Mmu(k, invlpgb: true)),
        ["arm64"] = new(k => new Arch.Arm64.Arm64Mmu(k)),
        ["arm64-tlbirange"] = new(k => new Arch.Arm64.Arm64Mmu(k, rangeTlbi: true)),
        ["ppc-radix"] = new(k => new Arch.PowerPcRadix.PowerPcRadixMmu(k)),
        ["riscv"] = new(k => new Arch.RiscV.RiscVMmu(k)),
        ["s390"] = new(k => new Arch.S390.S390Mmu(k), Arch.S390.S390Mmu.PageTableGeometry),
        ["ppc-hash"] = new(k => new Arch.PowerPcHash.PowerPcHashMmu(k)),
        ["sparc64"] = new(k => new Arch.Sparc64.Sparc64Mmu(k)),
    };

    public static IReadOnlyCollection<string> Names => s_registry.Keys;

    /// <summary>The paging geometry the machine of back-end <paramref name="name"/> needs, or <paramref name="fallback"/> when any will do.</summary>
    public static Geometry GeometryOf(string name, Geometry fallback) =>
        s_registry.TryGetValue(name, out Registration? r) && r.Geometry is { } g ? g : fallback;

    public static Func<Kernel, ArchMmu> Factory(string name) =>
        s_registry.TryGetValue(name, out Registration? r) ? r.Factory : throw new ArgumentException($"unknown architecture '{name}' (known: {string.Join(", ", s_registry.Keys)})");

    private sealed record Registration(Func<Kernel, ArchMmu> Factory, Geometry? Geometry = null);
}
