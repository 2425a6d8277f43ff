using MmuGather.Arch.X86;
using MmuGather.Machine;
using MmuGather.Mm;

namespace MmuGather.Sim;

/// <summary>The registry of back-ends: one line per architecture.</summary>
public static class Architectures
{
    private static readonly Dictionary<string, Func<Kernel, ArchMmu>> s_factories = new(StringComparer.Ordinal)
    {
        ["x86"] = k => new X86Mmu(k),
        ["x86-invlpgb"] = k => new X86Mmu(k, invlpgb: true),
        ["arm64"] = k => new Arch.Arm64.Arm64Mmu(k),
        ["arm64-tlbirange"] = k => new Arch.Arm64.Arm64Mmu(k, rangeTlbi: true),
        ["ppc-radix"] = k => new Arch.PowerPcRadix.PowerPcRadixMmu(k),
        ["riscv"] = k => new Arch.RiscV.RiscVMmu(k),
        ["s390"] = k => new Arch.S390.S390Mmu(k),
        ["ppc-hash"] = k => new Arch.PowerPcHash.PowerPcHashMmu(k),
        ["sparc64"] = k => new Arch.Sparc64.Sparc64Mmu(k),
    };

    // Added with s390: back-ends whose page tables are not x86-64's shape. The machine (its
    // memory, TLBs and walk caches) is built before the back-end, so the registry says it.
    private static readonly Dictionary<string, Geometry> s_geometries = new(StringComparer.Ordinal)
    {
        ["s390"] = Arch.S390.S390Mmu.PageTableGeometry,
    };

    public static IReadOnlyCollection<string> Names => s_factories.Keys;

    /// <summary>The paging geometry the machine of back-end <paramref name="name"/> needs, or <paramref name="fallback"/> when any will do.</summary>
    public static Geometry GeometryOf(string name, Geometry fallback) => s_geometries.GetValueOrDefault(name, fallback);

    public static Func<Kernel, ArchMmu> Factory(string name) =>
        s_factories.TryGetValue(name, out var f) ? f : throw new ArgumentException($"unknown architecture '{name}' (known: {string.Join(", ", s_factories.Keys)})");
}
