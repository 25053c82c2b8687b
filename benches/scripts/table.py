#!/usr/bin/env python3
"""Prints the criterion results of `cargo bench -p agentmart-benches --bench core`
as a Markdown table: wall-clock and process-CPU time per operation, and ops/s.

Usage: python3 benches/scripts/table.py "$CARGO_TARGET_DIR/criterion"
"""
import json
import os
import sys


def fmt_time(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.0f} ns"


def fmt_rate(ns):
    rate = 1e9 / ns
    return f"{rate:,.0f}" if rate >= 100 else f"{rate:,.1f}"


def main(root):
    results = {}
    for dirpath, _, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "benchmark.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            bench = json.load(f)
        with open(os.path.join(dirpath, "estimates.json")) as f:
            est = json.load(f)
        # What criterion prints: the slope (linear sampling) or the mean (flat).
        results[bench["full_id"]] = est.get("slope") or est["mean"]
    rows = sorted(k for k in results if not k.endswith("_cpu"))
    print("| operation | wall time/op (95% CI) | wall ops/s | CPU time/op (all threads) | ops/s per core (CPU) |")
    print("|---|---|---|---|---|")
    for name in rows:
        wall = results[name]
        cpu = results.get(name + "_cpu")
        ci = f"{fmt_time(wall['confidence_interval']['lower_bound'])}–{fmt_time(wall['confidence_interval']['upper_bound'])}"
        cpu_cols = f"{fmt_time(cpu['point_estimate'])} | {fmt_rate(cpu['point_estimate'])}" if cpu else "– | –"
        print(f"| `{name}` | {fmt_time(wall['point_estimate'])} ({ci}) | {fmt_rate(wall['point_estimate'])} | {cpu_cols} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
