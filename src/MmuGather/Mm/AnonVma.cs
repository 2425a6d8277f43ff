namespace MmuGather.Mm;

/// <summary>
/// struct anon_vma, reduced to its identity: the reverse-map root of a vma's anonymous
/// pages. A vma gets one at its first anonymous fault (anon_vma_prepare), reusing an adjacent
/// compatible neighbour's if it has one; a split shares it. Two vmas can merge only if they
/// share it or at most one has one (is_mergeable_anon_vma): pages of one anon_vma cannot be
/// found from another's rmap.
/// </summary>
public sealed class AnonVma(int id)
{
    public int Id { get; } = id;

    public override string ToString() => $"anon_vma{Id}";
}
