#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A/B of two bench_worker binaries (say, main's and a change's) on this
noisy, bimodal machine: the two run alternately, A B then B A, a few
repetitions each, and each round's B/A ratio is taken from adjacent runs;
the median of those paired ratios is the figure to quote, with its range.

usage: ab_worker.py A_BINARY B_BINARY [--filter REGEX] [--rounds N]
e.g.   cp build/bench/bench_worker /tmp/bw_main   # before the change
       ninja -C build && bench/ab_worker.py /tmp/bw_main build/bench/bench_worker"""
import argparse
import re
import statistics
import subprocess


def run(binary, flt):
    out = subprocess.run([binary, "--benchmark_filter=" + flt, "--benchmark_repetitions=3",
                          "--benchmark_report_aggregates_only=true", "--benchmark_min_time=0.2"],
                         capture_output=True, text=True, check=True).stdout
    got = {}
    for line in out.splitlines():
        m = re.match(r"(\S+)_median.*mpps_in=([\d.]+)", line)
        if m:
            got[m.group(1).replace("/real_time", "").replace("BM_", "")] = float(m.group(2))
    if not got:
        raise SystemExit("%s: no benchmark matched %r" % (binary, flt))
    return got


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--filter", default="BM_Worker/flows:1024/fanout:[12]/size:64/")
    ap.add_argument("--rounds", type=int, default=8)
    o = ap.parse_args()
    va, vb, ratios = {}, {}, {}
    for r in range(o.rounds):
        first, second = (o.a, o.b) if r % 2 == 0 else (o.b, o.a)
        x, y = run(first, o.filter), run(second, o.filter)
        ra, rb = (x, y) if first == o.a else (y, x)
        for k in ra:
            va.setdefault(k, []).append(ra[k])
            vb.setdefault(k, []).append(rb[k])
            ratios.setdefault(k, []).append(rb[k] / ra[k])
    for k in ratios:
        rs = sorted(ratios[k])
        print("%-44s A median %.2f best %.2f | B median %.2f best %.2f | B/A paired median %.3f "
              "(range %.3f-%.3f, %d rounds)" % (
                  k, statistics.median(va[k]), max(va[k]), statistics.median(vb[k]), max(vb[k]),
                  statistics.median(rs), rs[0], rs[-1], len(rs)))


if __name__ == "__main__":
    main()
