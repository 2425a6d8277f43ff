namespace MmuGather.Tests.Cli;

/// <summary>Finds the repository root: the first directory above the test binaries that holds MmuGather.slnx.</summary>
internal static class RepositoryRoot
{
    private const string Marker = "MmuGather.slnx";

    public static string Path { get; } = Find();

    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, Marker)))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no directory above {AppContext.BaseDirectory} contains {Marker}");
    }
}
