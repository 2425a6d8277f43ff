using System.Runtime.CompilerServices;

// The native executor's tests check refusals against a made-up host (NativeHost).
[assembly: InternalsVisibleTo("MmuGather.Tests")]
