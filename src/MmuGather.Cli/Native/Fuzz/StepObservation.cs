namespace MmuGather.Cli.Native.Fuzz;

/// <summary>
/// What one side (the model, or this host) saw after one step of a generated sequence:
/// the remote flush rounds the step cost, the outcome of its accesses, the address-space
/// layout and which pages are resident once it returned.
/// </summary>
/// <param name="Thread">Index of the scenario thread that ran the step (file order).</param>
/// <param name="Line">The step's line in the scenario file.</param>
/// <param name="Op">The step's kind (mmap, munmap, madvise, touch, spin, exit).</param>
/// <param name="FlushRounds">x86 flush rounds with another CPU in mm_cpumask (tlb:tlb_flush "remote IPI send").</param>
/// <param name="Access">"ok", or "segv" when an access of a touch step would take SIGSEGV; "-" for other steps.</param>
/// <param name="Layout">The vmas after the step, lowest first (see <see cref="VmaView"/>).</param>
/// <param name="Resident">Per region name, one character per page of the length its mmap asked for:
/// '1' resident (mincore), '0' mapped but not resident, '-' not mapped.</param>
internal sealed record StepObservation(
    int Thread,
    int Line,
    string Op,
    long FlushRounds,
    string Access,
    IReadOnlyList<VmaView> Layout,
    IReadOnlyDictionary<string, string> Resident);
