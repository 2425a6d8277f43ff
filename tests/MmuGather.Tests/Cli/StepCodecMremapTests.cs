using MmuGather.Cli.Native;
using MmuGather.Scenarios;

namespace MmuGather.Tests.Cli;

/// <summary>The sequence worker's one-line step form carries an mremap whole.</summary>
public class StepCodecMremapTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void MremapRoundTrips(bool mayMove)
    {
        var step = new MremapStep(0, "buf", 3 << 20, mayMove);

        Assert.Equal(step, StepCodec.Decode(StepCodec.Encode(step)));
    }
}
