#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""bench_worker JSON -> bench/results/worker.md and the README section
between '<!-- bench:worker:start -->' and '<!-- bench:worker:end -->'.

usage: report_worker.py BENCH_JSON OUT_DIR [--readme README.md] [--machine TEXT]
                        [--phases BENCH_WORKER_PHASES_JSON]
Figures are medians when the run has repetitions."""
import json
import os
import re
import sys


def load(path):
    d = json.load(open(path))
    runs = {}
    for b in d["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        name = re.sub(r"/real_time(_median)?$", "", b["run_name"] if "run_name" in b else b["name"])
        runs[name] = b
    return d, runs


def get(runs, name, key="mpps_in"):
    b = runs.get(name)
    return b[key] if b and key in b else None


def f(x):
    return "–" if x is None else "%.2f" % x


def phase_table(path):
    """bench_worker_phases JSON -> where a packet's cycles go, by pass."""
    d, runs = load(path)
    L = ["", "**Where a packet's cycles go** (`bench_worker_phases`: the same worker with each pass "
         "of a burst timed by the TSC, run %s; 64 B, copies), TSC cycles per packet. *loop* is "
         "the whole in-process loop per packet at the measured rate: frame making, the burst and "
         "TX; the timing itself adds a few cycles." % d["context"]["date"], "",
         "| flows | fan-out | classify | lookup | forward | the three | loop | forward per replica |",
         "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for flows in (1, 1024, 65536, 1048576):
        for fan in (1, 2, 4, 8):
            b = runs.get("BM_Worker/flows:%d/fanout:%d/size:64/clone:0" % (flows, fan))
            if not b or "cyc_forward" not in b:
                continue
            c = [b["cyc_classify"], b["cyc_lookup"], b["cyc_forward"]]
            loop = b["tsc_mhz"] / b["mpps_in"] if b.get("mpps_in") else None
            L.append("| %d | %d | %.1f | %.1f | %.1f | %.1f | %s | %.1f |" % (
                flows, fan, c[0], c[1], c[2], sum(c), "–" if loop is None else "%.1f" % loop,
                c[2] / fan))
    return L


def clone_min_default():
    """--clone-min's default, from the code (control/app.h), not typed here."""
    import re
    try:
        src = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "control", "app.h")).read()
    except OSError:
        return None
    m = re.search(r"#define APP_CLONE_MIN_DEFAULT (\d+)", src)
    return int(m.group(1)) if m else None


def main():
    path, outdir = sys.argv[1], sys.argv[2]
    readme = sys.argv[sys.argv.index("--readme") + 1] if "--readme" in sys.argv else None
    machine = sys.argv[sys.argv.index("--machine") + 1] if "--machine" in sys.argv else ""
    phases_path = sys.argv[sys.argv.index("--phases") + 1] if "--phases" in sys.argv else None
    d, runs = load(path)
    L = []
    cx = d["context"]
    L.append("Machine: %s. Run: %s%s. One worker on one core, in process: each frame is "
             "allocated and written (what RX costs at least), run through "
             "`mcfwd_worker_burst()` and sent to `net_null` ports; mbufs on %s. Million frames "
             "in per second; out = in x fan-out." % (
                 machine, cx["date"], " at commit %s" % cx["commit"] if cx.get("commit") else "",
                 cx.get("backing", "4 KiB pages (EAL --no-huge)")))
    L.append("")
    L.append("**Replication: copy vs clone** (1 flow), Mpps in:")
    L.append("")
    L.append("| IP+L2 bytes | fan-out 2 copy | fan-out 2 clone | fan-out 4 copy | fan-out 4 clone |")
    L.append("|---:|---:|---:|---:|---:|")
    cross = {}
    for size in (64, 128, 256, 512, 768, 1024, 1500, 2048, 3072, 4096, 9000):
        row = [str(size)]
        for fan in (2, 4):
            c = get(runs, "BM_Worker/flows:1/fanout:%d/size:%d/clone:0" % (fan, size))
            k = get(runs, "BM_Worker/flows:1/fanout:%d/size:%d/clone:1" % (fan, size))
            row += [f(c), f(k)]
            cross.setdefault(fan, []).append((size, c, k))
        L.append("| " + " | ".join(row) + " |")
    wins = [(fan, s) for fan, v in cross.items() for s, c, k in v if c and k and k > c * 1.05]
    sizes = [s for s, c, k in cross.get(2, []) if c and k]
    L.append("")
    L.append("Frames above 1500 B come from pools of 9000-byte-MTU mbufs, as the app's for "
             "`--max-mtu 9000`. Clone is more than 5%% faster than copy at: %s." %
             (", ".join("fan-out %d, %d B" % w for w in wins) if wins else
              "no size up to %d B" % max(sizes) if sizes else "no size measured"))
    # the app's default (control/app.h): copies below --clone-min IP bytes,
    # clones from it on; the sizes here are frame bytes (IP + 14)
    cmin = clone_min_default()
    if cmin:
        bad = []
        for fan, v in sorted(cross.items()):
            bad += ["fan-out %d, %d B" % (fan, s) for s, c, k in v if c and k and (
                (s - 14 < cmin and k > c * 1.05) or (s - 14 >= cmin and k < c * 0.95))]
        L.append("The app's default, `--clone-min %d` (IP bytes: frames of %d B and more are "
                 "cloned), is more than 5%% slower than the other way %s." % (
                     cmin, cmin + 14, "at: " + ", ".join(bad) if bad else "at none of these sizes"))
    L.append("")
    L.append("**Flows and fan-out** (copies, the app's default), Mpps in:")
    L.append("")
    L.append("| flows | fan-out 1 | 2 | 4 | 8 | 1500 B fan-out 1 | 2 | 4 | 8 |")
    L.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for flows in (1, 1024, 65536, 1048576):
        r64 = [get(runs, "BM_Worker/flows:%d/fanout:%d/size:64/clone:0" % (flows, fan)) for fan in (1, 2, 4, 8)]
        r15 = [get(runs, "BM_Worker/flows:%d/fanout:%d/size:1500/clone:0" % (flows, fan)) for fan in (1, 2, 4, 8)]
        if any(x is not None for x in r64 + r15):
            L.append("| %d | %s |" % (flows, " | ".join(f(x) for x in r64 + r15)))
    miss = [(n, get(runs, "BM_WorkerMiss/flows:%d" % n)) for n in (1024, 65536, 1048576)]
    if any(x is not None for _, x in miss):
        L.append("")
        L.append("**Unknown flows** (64 B frames of (S,G)s the table does not hold: every one a "
                 "miss, punted to control at the punt limit, 20000/s, or dropped; as in a flood "
                 "of unknown groups, or a released input's flows until their negative entries "
                 "come), Mpps in, against the same table's hits at fan-out 1:")
        L.append("")
        L.append("| entries in the table | unknown flows | known flows, fan-out 1 |")
        L.append("|---:|---:|---:|")
        for n, x in miss:
            L.append("| %d | %s | %s |" % (n, f(x), f(get(runs, "BM_Worker/flows:%d/fanout:1/size:64/clone:0" % n))))
    L.append("")
    L.append("**Baseline in the same process** (the same frames, copied fan-out times straight "
             "to the ports: no classification, lookup, RPF, TTL, rewrite or counters), Mpps in:")
    L.append("")
    L.append("| bytes | fan-out 1 | 2 | 4 | 8 |")
    L.append("|---:|---:|---:|---:|---:|")
    for size in (64, 1500):
        L.append("| %d | %s |" % (size, " | ".join(
            f(get(runs, "BM_Baseline/fanout:%d/size:%d" % (fan, size))) for fan in (1, 2, 4, 8))))
    if phases_path:
        L += phase_table(phases_path)
    text = "\n".join(L) + "\n"
    open(outdir + "/worker.md", "w").write("# Worker benchmark\n\n" + text)
    if readme:
        s = open(readme).read()
        a, b = "<!-- bench:worker:start -->", "<!-- bench:worker:end -->"
        if a in s:
            s = s[: s.index(a) + len(a)] + "\n" + text + s[s.index(b):]
            open(readme, "w").write(s)
    print(text)


if __name__ == "__main__":
    main()
