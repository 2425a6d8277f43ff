// A terminal's stderr gets the self-overwriting status line; a redirected one (a log, CI)
// gets a plain line now and then, so a long run is seen to be alive without flooding the log.
TextWriter progress = Console.IsErrorRedirected
    ? new MmuGather.Cli.SparseProgressWriter(Console.Error, MmuGather.Cli.SparseProgressWriter.DefaultInterval)
    : Console.Error;
return MmuGather.Cli.CliMain.Run(args, Console.Out, Console.Error, progress);
