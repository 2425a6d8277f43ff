using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace MmuGather.Machine;

/// <summary>
/// The project's one helper for internal invariants. A broken invariant is a bug in the model
/// (not in the user's scenario), so it throws <see cref="InvariantException"/> carrying the seed
/// and the step that was running, which is what <c>replay</c> needs to reproduce it.
/// Misuse at a public boundary is a different tier: those throw ArgumentException with context.
/// </summary>
public sealed class Diagnostics
{
    public ulong Seed { get; set; }

    /// <summary>What is running now, e.g. "thread app/0 step 2 (munmap, line 9)".</summary>
    public string Step { get; set; } = "setup";

    [StackTraceHidden]
    public void Assert([DoesNotReturnIf(false)] bool condition, string relationship)
    {
        if (!condition)
        {
            Fail(relationship);
        }
    }

    /// <summary>As above; the interpolated message is only formatted when the condition is false.</summary>
    [StackTraceHidden]
    public void Assert(
        [DoesNotReturnIf(false)] bool condition,
        [InterpolatedStringHandlerArgument("condition")] ref AssertMessageHandler relationship)
    {
        if (!condition)
        {
            Fail(relationship.ToStringAndClear());
        }
    }

    [DoesNotReturn]
    [StackTraceHidden]
    public void Fail(string relationship) => throw new InvariantException(Seed, Step, relationship);
}
