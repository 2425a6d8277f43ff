using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

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

    /// <summary>
    /// As above, with a message formatted only when the condition is false, so that asserts
    /// on hot paths cost a compare and a branch. Arguments are generic: no boxing either.
    /// </summary>
    [StackTraceHidden]
    public void Assert<T0>([DoesNotReturnIf(false)] bool condition, string format, T0 arg0)
    {
        if (!condition)
        {
            Fail(string.Format(CultureInfo.InvariantCulture, format, arg0));
        }
    }

    [StackTraceHidden]
    public void Assert<T0, T1>([DoesNotReturnIf(false)] bool condition, string format, T0 arg0, T1 arg1)
    {
        if (!condition)
        {
            Fail(string.Format(CultureInfo.InvariantCulture, format, arg0, arg1));
        }
    }

    [StackTraceHidden]
    public void Assert<T0, T1, T2>([DoesNotReturnIf(false)] bool condition, string format, T0 arg0, T1 arg1, T2 arg2)
    {
        if (!condition)
        {
            Fail(string.Format(CultureInfo.InvariantCulture, format, arg0, arg1, arg2));
        }
    }

    [DoesNotReturn]
    [StackTraceHidden]
    public void Fail(string relationship) => throw new InvariantException(Seed, Step, relationship);
}
