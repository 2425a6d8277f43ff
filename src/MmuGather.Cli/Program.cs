return MmuGather.Cli.CliMain.Run(args, Console.Out, Console.Error);
