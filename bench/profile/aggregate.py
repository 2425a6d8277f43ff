#!/usr/bin/env python3
"""Summarise `perf script -F tid,ip,sym,dso` output of the model's benchmark by method.

Reads the script output on stdin. For each case (a marker frame that must be on the stack),
prints the share of samples by method: "self" (the method is the leaf; tiers of one method,
QuickJitted/Tier1/OSR..., are merged) and "inclusive" (the method is anywhere on the stack).
Unresolved native frames are grouped by library (libcoreclr.so is mostly the GC, libclrjit.so
the JIT).

Usage: perf script -i perf.data -F tid,ip,sym,dso | aggregate.py [--top N] [MARKER ...]
Default markers: BenchCases::PopulateMunmap, BenchCases::Munmap.
"""
import re
import sys
from collections import Counter

JIT_NAME = re.compile(r"([\w.`+<>$\[\],]+::[\w.<>$`|]+)\(")


def frame_name(line):
    parts = line.strip().split(None, 1)
    rest = parts[1] if len(parts) > 1 else ""
    dso = ""
    m = re.search(r"\(([^()]*)\)\s*$", rest)
    if m:
        dso = m.group(1)
        rest = rest[: m.start()].strip()
    j = JIT_NAME.search(rest)
    if j:
        name = j.group(1)
        return name[len("MmuGather."):] if name.startswith("MmuGather.") else name
    lib = dso.rsplit("/", 1)[-1] if dso else ""
    if rest and rest != "[unknown]" and not rest.startswith("0x"):
        return f"{rest} [{lib}]" if lib else rest
    return f"[{lib or 'unknown'}]"


def samples(stream):
    stack = []
    for line in stream:
        if not line.strip():
            if stack:
                yield stack
            stack = []
            continue
        if line[0] not in " \t":
            if stack:
                yield stack
            stack = []
            continue
        stack.append(frame_name(line))
    if stack:
        yield stack


def main():
    args = sys.argv[1:]
    top = 25
    if len(args) >= 2 and args[0] == "--top":
        top = int(args[1])
        args = args[2:]
    markers = args or ["BenchCases::PopulateMunmap", "BenchCases::Munmap"]
    all_samples = list(samples(sys.stdin))
    print(f"{len(all_samples)} samples in all")
    for marker in markers:
        picked = [s for s in all_samples if any(f == marker or f.endswith("." + marker) for f in s)]
        n = len(picked)
        print()
        print(f"== {marker}: {n} samples ({100.0 * n / max(1, len(all_samples)):.1f}% of all)")
        if n == 0:
            continue
        self_c = Counter(s[0] for s in picked)
        incl_c = Counter()
        for s in picked:
            for f in set(s):
                incl_c[f] += 1
        print(f"-- self (leaf) top {top}")
        for name, c in self_c.most_common(top):
            print(f"{100.0 * c / n:6.1f}%  {name}")
        runtime = Counter()
        for s in picked:
            if s[0].startswith("[lib"):
                caller = next((f for f in s[1:] if "::" in f), "?")
                runtime[f"{s[0]} under {caller}"] += 1
        if runtime:
            print(f"-- unnamed runtime frames by nearest managed caller, top {min(top, 10)}")
            for name, c in runtime.most_common(min(top, 10)):
                print(f"{100.0 * c / n:6.1f}%  {name}")
        print(f"-- inclusive top {top} (below the marker)")
        shown = 0
        for name, c in incl_c.most_common():
            if c == n:
                continue  # the marker and its callers
            print(f"{100.0 * c / n:6.1f}%  {name}")
            shown += 1
            if shown == top:
                break


if __name__ == "__main__":
    main()
