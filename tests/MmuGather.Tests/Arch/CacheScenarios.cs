namespace MmuGather.Tests.Arch;

/// <summary>
/// Scenario text for the translation-cache back-ends' tests (powerpc hash, sparc64): one
/// process whose threads are pinned to CPU 0, 1, ... in order, each with its list of steps.
/// </summary>
internal static class CacheScenarios
{
    public static string Yaml(string arch, int cpus, string[][] threads, string memory = "64MiB", string bugs = "", string? otherProcess = null)
    {
        var text = new System.Text.StringBuilder();
        text.Append($"name: {arch}-test\nmachine: {{ arch: {arch}, cpus: {cpus}, memory: {memory} }}\nkernel: {{ bugs: [{bugs}] }}\n");
        text.Append("processes:\n  - name: app\n    threads:\n");
        for (int cpu = 0; cpu < threads.Length; cpu++)
        {
            AppendThread(text, cpu, threads[cpu]);
        }

        if (otherProcess is not null)
        {
            text.Append("  - name: other\n    threads:\n");
            AppendThread(text, cpus - 1, [otherProcess, "spin"]);
        }

        return text.ToString();
    }

    private static void AppendThread(System.Text.StringBuilder text, int cpu, string[] steps)
    {
        text.Append($"      - cpu: {cpu}\n        steps:\n");
        foreach (string step in steps)
        {
            text.Append($"          - {step}\n");
        }
    }
}
