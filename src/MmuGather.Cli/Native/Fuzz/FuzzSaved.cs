namespace MmuGather.Cli.Native.Fuzz;

/// <summary>A shrunk mismatch saved as a scenario file.</summary>
/// <param name="Path">The file written.</param>
/// <param name="Seed">The seed of the sequence it was shrunk from.</param>
/// <param name="Category">The category it still mismatches in.</param>
/// <param name="StepsBefore">Steps of the generated sequence (both threads).</param>
/// <param name="StepsAfter">Steps of the shrunk one.</param>
/// <param name="Details">The mismatching steps of the shrunk sequence, lines as in the file.</param>
internal sealed record FuzzSaved(string Path, ulong Seed, FuzzCategory Category, int StepsBefore, int StepsAfter, IReadOnlyList<string> Details);
