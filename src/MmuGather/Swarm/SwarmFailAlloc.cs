namespace MmuGather.Swarm;

/// <summary>A <c>fail_alloc</c> entry: fail the <see cref="Nth"/> call at <see cref="Site"/> and <see cref="Count"/> more (null: every one from then on).</summary>
public sealed record SwarmFailAlloc(string Site, long Nth, long? Count);
