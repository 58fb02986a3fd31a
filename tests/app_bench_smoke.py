#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""CI smoke of the whole-application benchmark runner and its report, so
that neither rots: bench/app_bench.py --smoke (testpmd io, mcfwd and the
peer, built from dpdk-doc, at 64 B, 1 flow, fan-out 1 and 2), then
bench/report_app.py on its JSON. Fails when a program did not run, when
mcfwd's output is not its input times the fan-out, when a program ran
on other ports than its case's (port 0 and 1..fan-out), or when the report
lacks a row.

usage: app_bench_smoke.py MCFWD BENCH_WORKER WORKDIR"""
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    mcfwd, bw, work = sys.argv[1:4]
    if os.geteuid() != 0:
        print("SKIP: needs root (DPDK runtime directories)")
        return 77
    if not os.path.exists("/usr/share/dpdk/examples/ipv4_multicast/main.c") or \
            not os.path.exists("/usr/bin/dpdk-testpmd"):
        print("FAIL: dpdk-doc / dpdk not installed (scripts/setup.sh installs them)")
        return 1
    out = os.path.join(work, "out")
    shutil.rmtree(out, ignore_errors=True)
    subprocess.check_call(["/usr/bin/python3", os.path.join(ROOT, "bench/app_bench.py"),
                           "--smoke", "--only", "tp", "--work", work, "--out", out,
                           "--mcfwd", mcfwd, "--bench-worker", bw])
    d = json.load(open(os.path.join(out, "app_bench.json")))
    bad = []
    for key in ("testpmd|1|64|0", "mcfwd|1|64|1", "mcfwd|1|64|2", "peer|1|64|1", "peer|1|64|2"):
        runs = d.get(key)
        if not runs:
            bad.append("%s: not measured" % key)
            continue
        r = runs[0]
        if "error" in r:
            bad.append("%s: %s" % (key, r["error"]))
        elif r["mpps_in"] < 0.1:
            bad.append("%s: %.3f Mpps in" % (key, r["mpps_in"]))
        elif r.get("ports") != 1 + max(1, int(key.split("|")[3])):
            # every program on the ports its case uses: 0 in, 1..fan-out out
            bad.append("%s: ran on %s ports" % (key, r.get("ports")))
        elif key.startswith("mcfwd"):
            fan = int(key.split("|")[3])
            if abs(r["mpps_out"] / r["mpps_in"] - fan) > 0.05 * fan:
                bad.append("%s: out/in %.3f, fan-out %d" % (key, r["mpps_out"] / r["mpps_in"], fan))
            if r.get("fwd_frac", 0) < 0.99 or r.get("misses_in_window", 1) != 0:
                bad.append("%s: forwarded %.3f of input, %s misses in the window" % (
                    key, r.get("fwd_frac", 0), r.get("misses_in_window")))
    if not d.get("_backing", {}).get("tp"):
        bad.append("memory backing not recorded")
    subprocess.check_call(["/usr/bin/python3", os.path.join(ROOT, "bench/report_app.py"),
                           os.path.join(out, "app_bench.json"), out])
    md = open(os.path.join(out, "app.md")).read()
    for row in ("| 1 | 1 |", "| 1 | 2 |"):
        if row not in md:
            bad.append("report: no row %r" % row)
    for b in bad:
        print("FAIL:", b)
    print("app-bench smoke: %s (%s)" % ("ok" if not bad else "%d failures" % len(bad),
                                        ", ".join(d["_backing"].get("tp", []))))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
