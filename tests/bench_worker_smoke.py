#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""CI smoke of bench_worker, bench_worker_phases and bench_mfc: a short run of a few
cases that fails when a case reports an error (the benchmark checks its own
work: every packet accounted for, every replica sent), when a case did not
run, and, with --phases, when the per-pass cycle counters are missing, not
positive, or add up to more cycles per packet than the measured rate allows.

usage: bench_worker_smoke.py BINARY FILTER [--phases]"""
import json
import os
import subprocess
import sys
import tempfile


def main():
    binary, flt = sys.argv[1], sys.argv[2]
    phases = "--phases" in sys.argv[3:]
    with tempfile.TemporaryDirectory() as td:
        js = os.path.join(td, "out.json")
        subprocess.check_call([binary, "--benchmark_filter=" + flt, "--benchmark_min_time=0.05",
                               "--benchmark_out_format=json", "--benchmark_out=" + js])
        text = open(js).read() if os.path.exists(js) else ""
        runs = json.loads(text)["benchmarks"] if text.strip() else []
    bad = []
    if not runs:
        bad.append("no case matched %r" % flt)
    for b in runs:
        name = b["name"]
        if b.get("error_occurred"):
            bad.append("%s: %s" % (name, b.get("error_message", "error")))
            continue
        if "mpps_in" in b and not b["mpps_in"] > 0:
            bad.append("%s: no packets" % name)
        if phases and name.startswith("BM_Worker"):
            cyc = [b.get("cyc_" + k) for k in ("classify", "lookup", "forward")]
            if any(c is None or not c > 0 for c in cyc):
                bad.append("%s: pass cycles missing or not positive: %r" % (name, cyc))
                continue
            # the passes are part of each packet's time: frames made, the
            # burst, TX; their sum cannot exceed the cycles a packet took
            per_pkt = b["tsc_mhz"] / b["mpps_in"]
            if sum(cyc) > per_pkt:
                bad.append("%s: passes %.1f cycles > %.1f per packet at the measured rate"
                           % (name, sum(cyc), per_pkt))
            print("%s: classify %.1f, lookup %.1f, forward %.1f of %.1f cycles a packet"
                  % (name, cyc[0], cyc[1], cyc[2], per_pkt))
    for m in bad:
        print("FAIL:", m)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
