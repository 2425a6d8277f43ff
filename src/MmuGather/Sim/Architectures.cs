using MmuGather.Arch.X86;
using MmuGather.Mm;

namespace MmuGather.Sim;

/// <summary>The registry of back-ends: one line per architecture.</summary>
public static class Architectures
{
    private static readonly Dictionary<string, Func<Kernel, ArchMmu>> s_factories = new(StringComparer.Ordinal)
    {
        ["x86"] = k => new X86Mmu(k),
        ["x86-invlpgb"] = k => new X86Mmu(k, invlpgb: true),
    };

    public static IReadOnlyCollection<string> Names => s_factories.Keys;

    public static Func<Kernel, ArchMmu> Factory(string name) =>
        s_factories.TryGetValue(name, out var f) ? f : throw new ArgumentException($"unknown architecture '{name}' (known: {string.Join(", ", s_factories.Keys)})");
}
