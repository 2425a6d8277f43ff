#!/usr/bin/env bash
# Side by side, in one run on one machine: the real kernel's populate + munmap of 1 GiB
# (bench/native/populate_munmap.c) and the model's (bench/MmuGather.Bench --quick), both in
# ns per 4 KiB page, and the ratio model / kernel. The goal (docs/performance.md) is a
# ratio of at most 1/20 = 0.05 for populate + munmap.
#
# Usage: bench/run-side-by-side.sh [--reps N] [--runs N] [--breakdown]
#   --reps N      kernel repetitions (median reported; default 5)
#   --runs N      model runs after its 5 warm-ups (median reported; default 3)
#   --breakdown   also print the model's where-does-the-time-go experiments
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
reps=5
runs=3
breakdown=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --reps) reps="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --breakdown) breakdown=(--breakdown); shift ;;
        *) echo "unknown option '$1' (see the header of $0)" >&2; exit 2 ;;
    esac
done

echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ)"
thp="$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo unknown)"
echo "== transparent hugepages: $thp (the model maps 4 KiB pages; so does the kernel unless THP is 'always')"

echo "== building"
mkdir -p "$here/native/bin"
gcc -O2 -Wall -Wextra -pthread -o "$here/native/bin/populate_munmap" "$here/native/populate_munmap.c"
if ! build_log="$(dotnet build -c Release "$here/MmuGather.Bench/MmuGather.Bench.csproj" -nologo -tl:off 2>&1)"; then
    echo "$build_log" >&2
    exit 1
fi

echo "== kernel: mmap(1 GiB, MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE) + munmap, $reps repetitions"
kernel_out="$("$here/native/bin/populate_munmap" "$reps" 2>&1)"
echo "$kernel_out"
kernel_line="$(grep '^KERNEL ' <<<"$kernel_out")"
if [[ "$(nproc)" -ge 2 ]]; then
    echo "== kernel, with a sibling thread spinning on CPU 1 (as in the model's scenario)"
    kernel_spin_out="$("$here/native/bin/populate_munmap" "$reps" --spin 2>&1)"
    echo "$kernel_spin_out"
    kernel_spin_line="$(grep '^KERNEL ' <<<"$kernel_spin_out")"
else
    kernel_spin_line=""
fi

echo "== model: bench/MmuGather.Bench --quick"
model_out="$(dotnet "$here/MmuGather.Bench/bin/Release/net10.0/MmuGather.Bench.dll" --quick --runs "$runs" "${breakdown[@]}" 2>&1)"
echo "$model_out"
model_line="$(grep '^MODEL ' <<<"$model_out")"

field() { sed -n "s/.*[[:space:]]$2=\([0-9.]*\).*/\1/p" <<<"$1"; }

# table KERNEL_LINE MODEL_LINE PREFIX TAG: one row per case, wall clock (PREFIX empty) or
# CPU time (PREFIX=cpu_); TAG names the RATIO line.
table() {
    awk -v kb="$(field "$1" "${3}populate_munmap_ns_per_page")" -v ku="$(field "$1" "${3}munmap_ns_per_page")" \
        -v mb="$(field "$2" "${3}populate_munmap_ns_per_page")" -v mu="$(field "$2" "${3}munmap_ns_per_page")" \
        -v tag="$4" 'BEGIN {
        printf "%-18s %10s %10s %8s %16s\n", "case", "kernel", "model", "ratio", "goal for model"
        printf "%-18s %10.1f %10.1f %8.2f %16s\n", "populate+munmap", kb, mb, mb / kb, sprintf("<= %.1f", kb / 20)
        printf "%-18s %10.1f %10.1f %8.2f %16s\n", "munmap", ku, mu, mu / ku, sprintf("<= %.1f", ku / 20)
        printf "RATIO%s populate_munmap=%.3f munmap=%.3f goal=0.050 met=%s\n", tag, mb / kb, mu / ku, (mb / kb <= 0.05 ? "yes" : "no")
    }'
}

echo
echo "== side by side, wall clock (ns per 4 KiB page, medians; ratio = model / kernel; goal: ratio <= 0.05)"
table "$kernel_line" "$model_line" "" ""
echo
echo "== side by side, CPU time of the measuring thread (user + system; robust to a busy machine)"
table "$kernel_line" "$model_line" "cpu_" "_CPU"
if [[ -n "$kernel_spin_line" ]]; then
    echo
    echo "== against the kernel run with a spinning sibling on CPU 1 (wall clock)"
    table "$kernel_spin_line" "$model_line" "" "_SPIN"
fi
