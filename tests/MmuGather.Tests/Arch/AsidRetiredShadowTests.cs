using MmuGather.Machine;
using MmuGather.Sim.Checkers;

namespace MmuGather.Tests.Arch;

/// <summary>
/// The translation shadow and a retired ASID (arm64's exit without a leaf flush): every CPU's
/// leaf debts of that ASID are void, its table debts and other ASIDs' debts are not.
/// </summary>
public class AsidRetiredShadowTests
{
    [Fact]
    public void ARetiredAsidOwesNoLeafButStillOwesItsTables()
    {
        var shadow = new TranslationShadow(3, 64, Geometry.X86_64);
        shadow.AsidLoaded(0, 5);
        shadow.AsidLoaded(1, 5);
        shadow.AsidLoaded(2, 6);
        shadow.LeafCleared(5, 0x1000, 0, pfn: 10);
        shadow.TableUnhooked(5, 0, 0, pfn: 11);
        shadow.LeafCleared(6, 0x1000, 0, pfn: 12);
        Assert.Equal((2, 2, 1), (shadow.Owed(10), shadow.Owed(11), shadow.Owed(12)));

        shadow.AsidRetired(5);

        Assert.Equal((0, 2, 1), (shadow.Owed(10), shadow.Owed(11), shadow.Owed(12)));
    }
}
