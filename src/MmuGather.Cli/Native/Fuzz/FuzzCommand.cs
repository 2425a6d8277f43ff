namespace MmuGather.Cli.Native.Fuzz;

/// <summary>
/// <c>validate --generate N [--seed S] [--out DIR] [--format text|json]</c>: the differential
/// fuzzer. Exit 0 when no mismatch is left, 1 when one is, 2 when the host is refused, 3 when
/// a side failed (or the native runner is missing).
/// </summary>
internal static class FuzzCommand
{
    public static int Execute(FuzzOptions options, OutputFormat format, TextWriter stdout, TextWriter stderr, Func<ISequenceRunner> nativeRunner, NativeHost host)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(nativeRunner);
        try
        {
            // The host is judged once up front, on the first sequence: every sequence asks the same of it.
            NativeRefusals.Check(SequenceGenerator.Parse(SequenceGenerator.Generate(SequenceGenerator.SeedOf(options.Seed, 0))), host);
        }
        catch (NativeRefusedException refused)
        {
            stderr.Write("validate --generate: refused: " + refused.OneLine + "\n");
            return ExitCode.BadInput;
        }

        ISequenceRunner native;
        try
        {
            native = nativeRunner();
        }
        catch (NotImplementedException e)
        {
            stderr.Write($"validate --generate: {e.Message}\n");
            return ExitCode.InternalError;
        }

        using (native)
        {
            using var model = new ModelSequenceRunner();
            return Run(new FuzzDriver(model, native, host, options, stderr), format, stdout, stderr, host);
        }
    }

    private static int Run(FuzzDriver driver, OutputFormat format, TextWriter stdout, TextWriter stderr, NativeHost host)
    {
        FuzzSummary summary;
        try
        {
            summary = driver.Run();
        }
        catch (NativeRefusedException refused)
        {
            stderr.Write("validate --generate: refused: " + refused.OneLine + "\n");
            return ExitCode.BadInput;
        }

        int exit = summary.Error is not null ? ExitCode.InternalError : summary.Left == 0 ? ExitCode.Clean : ExitCode.Violation;
        if (summary.Error is not null)
        {
            stderr.Write($"validate --generate: {summary.Error}\n");
        }

        stdout.Write(format == OutputFormat.Json ? FuzzReport.Json(summary, host, exit) : FuzzReport.Text(summary, host));
        return exit;
    }
}
