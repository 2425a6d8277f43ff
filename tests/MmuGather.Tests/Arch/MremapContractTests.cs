using MmuGather.Machine;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Tests.Arch;

/// <summary>
/// mremap's contract on every back-end: when a move returns, no CPU running the mm still
/// translates an old address (its TLB holds nothing of the old range, and the post-condition
/// checker, which covers the unmapped old range, is quiet), however the entries moved: one by
/// one (move_ptes), as a whole table (move_normal_pmd, where the architecture allows it), or
/// as huge PMDs.
/// </summary>
public class MremapContractTests
{
    private static readonly (string Name, string Mmap, string NewLength)[] s_moves =
    [
        ("ptes", "length: 64KiB, populate: true", "128KiB"),
        ("table", "length: 2MiB, populate: true", "4MiB"),
        ("thp", "length: 4MiB, populate: true, thp: true", "8MiB"),
    ];

    public static IEnumerable<object[]> Cases() =>
        from arch in Architectures.Names
        from m in s_moves
        from api in new[] { "linux", "gather" }
        select new object[] { arch, m.Name, api };

    [Theory]
    [MemberData(nameof(Cases))]
    public void AMoveLeavesNoCpuTranslatingTheOldAddress(string arch, string move, string flushApi)
    {
        var (_, mmap, newLength) = s_moves.Single(m => m.Name == move);
        string yaml = $$"""
            name: mremap-contract-{{move}}
            machine: { arch: {{arch}}, cpus: 2, memory: 256MiB }
            kernel: { flush_api: {{flushApi}} }
            processes:
              - name: app
                threads:
                  - cpu: 0
                    steps:
                      - mmap: { name: blocker, length: 4KiB }
                      - mmap: { name: buf, {{mmap}} }
                      - touch: { region: buf }
                      - mremap: { region: buf, length: {{newLength}}, may_move: true }
                      - munmap: { region: buf }
                  - cpu: 1
                    steps:
                      - touch: { region: buf, write: true }
                      - spin
            """;
        Simulation sim = ScenarioRunner.Build(TestScenarios.Parse(yaml));
        var probe = new OldRangeProbe(sim.Machine, tableMoved: move == "table");
        sim.Hub.Add(probe);

        RunResult r = sim.Run();

        Assert.Empty(r.Violations);
        Assert.Equal(1, r.Counters["mremap_moves"]);
        Assert.Equal(1, probe.MovesSeen);
        Assert.True(probe.FilledBefore, "CPU1 never cached the old range: the test would prove nothing");
        Assert.Null(probe.Stale);
    }

    /// <summary>Looks into every CPU's TLB for the old range when an mremap returns.</summary>
    private sealed class OldRangeProbe(SimMachine machine, bool tableMoved) : Observer
    {
        private readonly Dictionary<long, (int Asid, ulong Start, ulong End)> _open = [];

        public int MovesSeen { get; private set; }

        public bool FilledBefore { get; private set; }

        public string? Stale { get; private set; }

        public override void OperationStarted(long id, string operation, int asid, ulong start, ulong end)
        {
            if (operation != "mremap")
            {
                return;
            }

            _open[id] = (asid, start, end);
            FilledBefore |= machine.Cpus[1].Tlb.FindAny(asid, start, end, out _, out _);
        }

        public override void OperationReturned(long id, string operation, int asid, ulong start, ulong end)
        {
            if (!_open.Remove(id, out var range))
            {
                return;
            }

            MovesSeen++;
            foreach (Cpu cpu in machine.Cpus)
            {
                if (cpu.Tlb.FindAny(range.Asid, range.Start, range.End, out ulong va, out int pfn))
                {
                    Stale ??= $"CPU{cpu.Id} still translates 0x{va:x} to pfn 0x{pfn:x}";
                }

                // A whole PTE table moved: the old PMD slot is empty, so a walk-cache entry
                // leading from the old address into that table would translate old addresses
                // into the moved pages (arm64: flush_tlb_range is never leaf-only for this).
                if (tableMoved && cpu.WalkCache.Lookup(range.Asid, range.Start, out int level, out int table, out _) && level == 0)
                {
                    Stale ??= $"CPU{cpu.Id}'s walk cache still leads from 0x{range.Start:x} into the moved PTE table (pfn 0x{table:x})";
                }
            }
        }
    }
}
