// A status line goes to stderr only when a person is watching it (not redirected, not CI).
TextWriter? progress = Console.IsErrorRedirected ? null : Console.Error;
return MmuGather.Cli.CliMain.Run(args, Console.Out, Console.Error, progress);
