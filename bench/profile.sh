#!/usr/bin/env bash
# CPU profile of the model's benchmark with Linux perf (sampling, no instrumentation), by
# method, for each of the two cases, in steady state: perf attaches once the quick mode has
# printed "# warm-up done", so the JIT's early tiers are not what is measured.
# Needs `perf` (Debian: linux-perf) and python3.
#
# Usage: bench/profile.sh [--runs N]     (runs of each case after 3 warm-ups; default 8)
# The raw data stays in bench/profile/out/perf.data. Tier-1 code inlines small methods into
# their callers, so "self" time belongs to a method and what it inlined; read it with the
# inclusive list.
#
# The JIT's code is named through the runtime's perf map (DOTNET_PerfMapEnabled=1); W^X is
# turned off so that perf sees the code where the map says it is. Unnamed libcoreclr.so
# frames are the runtime itself (allocation, GC, write barriers, cast and PGO helpers);
# libclrjit.so is the JIT compiling in the background.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
runs=8
while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        *) echo "unknown option '$1' (see the header of $0)" >&2; exit 2 ;;
    esac
done
command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)" >&2; exit 1; }

out="$here/profile/out"
mkdir -p "$out"
if ! build_log="$(dotnet build -c Release "$here/MmuGather.Bench/MmuGather.Bench.csproj" -nologo -tl:off 2>&1)"; then
    echo "$build_log" >&2
    exit 1
fi

log="$out/quick.log"
DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 \
    dotnet "$here/MmuGather.Bench/bin/Release/net10.0/MmuGather.Bench.dll" --quick --warmups 3 --runs "$runs" >"$log" 2>&1 &
pid=$!
until grep -q '^# warm-up done' "$log" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
        cat "$log" >&2
        echo "the benchmark ended before its warm-up was done" >&2
        exit 1
    fi
    sleep 0.05
done
perf record -F 1999 -e cpu-clock -g -p "$pid" -o "$out/perf.data" 2>"$out/perf-record.log" || true
wait "$pid"
cat "$log"
echo
perf script -i "$out/perf.data" -F tid,ip,sym,dso 2>/dev/null | python3 "$here/profile/aggregate.py" --top 30
