using MmuGather.Machine;
using MmuGather.Mm;
using MmuGather.Sim;

namespace MmuGather.Scenarios;

/// <summary>
/// Runs one parsed <see cref="Step"/> against the kernel: the bridge from the user's words
/// (mmap, munmap, touch ...) to the modelled system calls and user accesses. Problems only
/// visible at run time (a THP region unmapped off a 2 MiB boundary) are reported like parse
/// errors: file, line, what is wrong.
/// </summary>
internal sealed class ScenarioStep(Step step, string file) : ISimStep
{
    /// <summary>A user access retries after a fault at most this many times.</summary>
    private const int MaxFaultRetries = 3;

    public string Op => step.Op;

    /// <summary>The parsed step this runs.</summary>
    public Step Step => step;

    public int Line => step.Line;

    public void Execute(StepContext ctx)
    {
        try
        {
            Dispatch(ctx);
        }
        catch (GroupExitInterrupt)
        {
            // Woken by a sibling's exit_group (SIGKILL) in an interruptible wait: the step
            // ends there and the thread exits before its next one.
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // The kernel's public boundary refused the request (no address space left, a
            // bad range): the user's scenario asked for it, so point at the step.
            throw new ScenarioException(file, step.Line, e.Message);
        }
        catch (NotModelledException e)
        {
            // Reached at run time (the interleaving decided which mapping a range hit).
            throw new ScenarioException(file, step.Line, $"{ctx.Thread.DiagStep}: {e.Message}; the model refuses this run");
        }
    }

    private void Dispatch(StepContext ctx)
    {
        switch (step)
        {
            case MmapStep s:
                Mmap(ctx, s);
                break;
            case MunmapStep s:
                var (mStart, mLen) = Range(ctx, s.Region, s.Offset, s.Length);
                if (mLen > 0) // an mremap may have shrunk the region below the offset: nothing left to its end
                {
                    ctx.Kernel.Mmap.DoMunmap(ctx.Mm, mStart, mLen);
                }

                break;
            case MremapStep s:
                Mremap(ctx, s);
                break;
            case MadviseStep s:
                var (aStart, aLen) = Range(ctx, s.Region, s.Offset, s.Length);
                ctx.Kernel.Madvise.DontNeed(ctx.Mm, aStart, aLen);
                break;
            case MprotectStep s:
                var (pStart, pLen) = Range(ctx, s.Region, s.Offset, s.Length);
                ctx.Kernel.Mprotect.DoMprotect(ctx.Mm, pStart, pLen, ProtFlags(s.Prot));
                break;
            case TouchStep s:
                Touch(ctx, s);
                break;
            case GupFastStep s:
                var (gStart, gLen) = Range(ctx, s.Region, s.Offset, s.Length);
                var pinned = ctx.Kernel.GupFast.Pin(ctx.Mm, gStart, (int)(gLen >> ctx.Kernel.Geometry.PageShift), s.Write);
                ctx.Kernel.GupFast.Unpin(ctx.Mm, pinned);
                break;
            case WritebackStep s:
                Range(ctx, s.Region, 0, null);
                if (ctx.Process.Regions[s.Region].File is not { } backing)
                {
                    throw new ScenarioException(file, step.Line, $"region '{s.Region}' is anonymous memory: only a file mapping has pages to write back");
                }

                for (int i = 0; i < s.Repeat; i++)
                {
                    ctx.Kernel.Writeback.WriteFile(backing);
                    ctx.Kernel.CondResched(); // the flusher may be switched out between rounds
                }
                break;
            case SpinStep:
                ctx.Thread.Spinning = true;
                break;
            case ExitStep:
                ctx.Thread.Exited = true;
                break;
            case ExitGroupStep:
                // do_group_exit: SIGNAL_GROUP_EXIT, then zap_other_threads (every sibling
                // leaves at its next scheduling point), then this thread's do_exit.
                ctx.Process.GroupExiting = true;
                ctx.Thread.Exited = true;
                break;
            case ForkStep s:
                Fork(ctx, s);
                break;
            default:
                throw new ScenarioException(file, step.Line, $"step {step.GetType().Name} is not supported by the runner");
        }
    }

    /// <summary>The PROT_* word of an mprotect step as vm_flags (calc_vm_prot_bits).</summary>
    private static VmFlags ProtFlags(string prot) =>
        (prot.Contains('r') ? VmFlags.Read : 0) | (prot.Contains('w') ? VmFlags.Write : 0) | (prot.Contains('x') ? VmFlags.Exec : 0);

    /// <summary>
    /// fork: dup_mmap into the child's (empty) mm, then the child's threads may run. The child
    /// knows the regions the parent's threads had mapped when the fork began (user space's view
    /// at the call; a sibling's mmap or munmap racing the fork may or may not be in the copy).
    /// A child whose pgd could not be allocated, or whose copy ran out of memory, never runs
    /// (fork returned ENOMEM; counted as processes_not_started).
    /// </summary>
    private static void Fork(StepContext ctx, ForkStep s)
    {
        if (!ctx.Process.Children.TryGetValue(s.Child, out SimProcess? child))
        {
            return; // its mm could not be allocated: already counted as not started
        }

        var regions = ctx.Process.Regions.ToList();
        bool copied = ctx.Kernel.Fork.DupMmap(ctx.Mm, child.Mm);
        foreach (var (name, region) in regions)
        {
            child.Regions[name] = region;
        }

        if (!copied)
        {
            ctx.Kernel.Counters.Add(Counter.ProcessesNotStarted);
        }

        child.ForkState = copied ? ForkState.Running : ForkState.NotStarted;
    }

    private static void Mmap(StepContext ctx, MmapStep s)
    {
        bool file = s.Kind != MappingKind.Anon;
        var request = new MappingRequest(s.Name, s.Length, s.Kind == MappingKind.FileShared, file, s.Thp, s.Populate);
        ulong start = ctx.Kernel.Mmap.DoMmap(ctx.Mm, request, out SimFile? backing);
        // What mmap returned: the address, and the length asked for (page multiples, checked
        // by the parser). Not a vma's bounds: the mapping may have merged into a neighbour,
        // and the lock was dropped before this line, so another thread's munmap through a
        // stale name may already have cut the vma (swarm finding 2). A file mapping never
        // merges (each gets a file of its own), so the backing is the one just created.
        ctx.Process.Regions[s.Name] = new Region(start, s.Length, s.Thp, backing);
    }

    /// <summary>
    /// mremap of the whole region. On success the region names the new range (mremap's return
    /// value and the new length); on failure (EFAULT: another thread unmapped part of it;
    /// ENOMEM: it could not grow in place and may not move) it is unchanged, as user space sees it.
    /// </summary>
    private void Mremap(StepContext ctx, MremapStep s)
    {
        var (start, oldLen) = Range(ctx, s.Region, 0, null);
        Region region = ctx.Process.Regions[s.Region];
        if (ctx.Kernel.Mremap.DoMremap(ctx.Mm, start, oldLen, s.Length, s.MayMove) is { } moved)
        {
            ctx.Process.Regions[s.Region] = region with { Start = moved, Length = s.Length };
        }
        else
        {
            ctx.Kernel.Counters.Add(Counter.MremapFailed);
        }
    }

    private (ulong Start, ulong Length) Range(StepContext ctx, string name, ulong offset, ulong? length)
    {
        if (!ctx.Process.Regions.TryGetValue(name, out Region region))
        {
            // Another thread of the process maps it: wait as user space would (a futex), so
            // the step runs once the region exists, whatever the interleaving.
            // A sibling's exit_group wakes the wait (a fatal signal ends an interruptible sleep).
            ctx.Kernel.Machine.Scheduler.SleepUntil(() => ctx.Process.Regions.ContainsKey(name) || ctx.Process.GroupExiting, $"region '{name}' to be mapped");
            if (!ctx.Process.Regions.TryGetValue(name, out region))
            {
                throw new GroupExitInterrupt();
            }
        }

        ulong len = length ?? (region.Length - Math.Min(offset, region.Length));
        ulong start = region.Start + offset;
        return (start, len);
    }

    private void Touch(StepContext ctx, TouchStep s)
    {
        var (start, len) = Range(ctx, s.Region, s.Offset, s.Length);
        ulong page = ctx.Kernel.Geometry.PageSize;
        for (int pass = 0; pass < s.Repeat; pass++)
        {
            for (ulong va = start; va < start + len; va += page)
            {
                if (!TouchOne(ctx, va, s.Write))
                {
                    return;
                }
            }
        }
    }

    /// <summary>One user access; false when the thread stops (SIGSEGV, or out of memory).</summary>
    private static bool TouchOne(StepContext ctx, ulong va, bool write)
    {
        ctx.Kernel.Machine.Scheduler.SchedulingPoint(SchedPoint.UserAccess);
        FaultResult r = Access(ctx, va, write);
        if (r == FaultResult.SegV)
        {
            ctx.Kernel.Counters.Add(Counter.UserSegv);
            return false; // the thread would take SIGSEGV here
        }

        // Oom is counted as fault_oom: the OOM killer's business, not modelled.
        return r != FaultResult.Oom;
    }

    private static FaultResult Access(StepContext ctx, ulong va, bool write)
    {
        for (int attempt = 0; attempt <= MaxFaultRetries; attempt++)
        {
            if (ctx.Kernel.Machine.Walker.Access(va, write) == AccessResult.Ok)
            {
                return FaultResult.Ok;
            }

            FaultResult r = ctx.Kernel.Faults.HandleUserFault(ctx.Mm, va, write);
            if (r != FaultResult.Ok)
            {
                return r;
            }
        }

        return FaultResult.SegV;
    }

    /// <summary>A wait inside the step was ended by the process's exit_group.</summary>
    private sealed class GroupExitInterrupt : Exception;
}
