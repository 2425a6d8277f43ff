using System.Diagnostics;
using System.Globalization;
using MmuGather.Scenarios;

namespace MmuGather.Cli.Native;

/// <summary>How to start this program again in worker mode.</summary>
internal static class WorkerCommand
{
    public static ProcessStartInfo StartInfo()
    {
        string dll = typeof(WorkerCommand).Assembly.Location;
        string apphost = Path.ChangeExtension(dll, null);
        if (Environment.ProcessPath is { } self && Path.GetFileName(self) == "mmugather")
        {
            return new ProcessStartInfo(self);
        }

        if (File.Exists(apphost))
        {
            return new ProcessStartInfo(apphost);
        }

        string dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var psi = new ProcessStartInfo(dotnet);
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(dll);
        return psi;
    }
}
