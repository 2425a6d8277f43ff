namespace MmuGather.Cli.Native.Fuzz;

/// <summary>One step on which the model and the host disagree in one category; the values are printable summaries.</summary>
internal sealed record FuzzMismatch(FuzzCategory Category, int Thread, int Line, string Op, string Model, string Native)
{
    public string Describe(int lineOffset = 0) =>
        $"{Category.ToString().ToLowerInvariant()}: line {Line + lineOffset} thread {Thread} {Op}: model {Model}, native {Native}";
}
