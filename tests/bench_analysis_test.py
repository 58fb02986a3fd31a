#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The teardown analysis and its verdicts on made-up data, so that the
figures the report gives are what the worker's log says:
- bench/app_bench.py analyse_mslog(): a dip 50 ms after a release's
  return is in its window (the purge goes on after the call); what the
  released port sent after the return lies between the counts from the
  first row after it and from the last row before it; the call's length
  comes from the command's TSC stamps;
- bench/report_app.py: a dip target is met only when every run is at 90%
  or at its own floor (a median of runs hid the others); the floor is the
  median over same-length windows before, not the worst ms of 300 (one
  outlier excused any dip); gaps are those of the judged window;
- bench/app_bench.py merged_notes(): a part re-run again replaces its
  earlier note (the report listed both, the older one stale);
- bench/report_app.py paired(): a throughput target is judged on the
  repetitions' own ratios (one slow testpmd repetition made the medians'
  ratio pass where no repetition did);
- bench/report.py: the cache's miss bursts go to their own table, not
  into the hit table's columns (its single-lookup column took any
  BM_Lookup row that was not a burst of hits).
No DPDK: usage: bench_analysis_test.py"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "bench"))
import app_bench  # noqa: E402

HZ = 1000000  # ticks per second: 1 ms = 1000 ticks
fails = []


def check(ok, what):
    if not ok:
        fails.append(what)
        print("FAIL:", what)


def mslog(path, dip_ms=None, x8_late=0, low=None, gap=None):
    """2 s of rows, one per ms: 10 Mpps in, ports 1-7 1 Mpps each, x8 0.5
    Mpps until its release (1000.0-1002.4 ms); x8_late packets on x8 in
    the ms after the return (between the rows at 1002 and 1003 ms); in1
    released at 1500.0-1501.6 ms; at dip_ms, ports 1-7 at half rate;
    low: {ms: fraction of the rate} for ports 1-7; gap: (ms, n) no rows
    for n ms from ms on (the OS did not run the worker)."""
    rx = tx = x8 = 0
    low = low or {}
    with open(path, "w") as f:
        f.write("# tsc_hz %d\n" % HZ)
        f.write("# cmd %d %d interface release x8\n" % (1000 * 1000, 1002 * 1000 + 400))
        f.write("# cmd %d %d interface release in1\n" % (1500 * 1000, 1501 * 1000 + 600))
        for ms in range(2000):
            rx += 10000
            tx += 500 if ms == dip_ms else int(1000 * low.get(ms, 1.0))
            if ms <= 1000:
                x8 += 500
            elif ms == 1003:
                x8 += x8_late
            if gap and gap[0] <= ms < gap[0] + gap[1]:
                continue
            f.write(",".join(str(v) for v in [ms, ms * 1000, rx, rx, ms, 0] + [tx] * 7 + [x8])
                    + "\n")


def analysis():
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "m.csv")
        mslog(p, dip_ms=1550, x8_late=5)
        r = app_bench.analyse_mslog(p)
    x8, in1 = r["rel_x8"], r["rel_in1"]
    check(abs(x8["ms"] - 2.4) < 1e-9 and abs(in1["ms"] - 1.6) < 1e-9,
          "call lengths from the TSC stamps: %s, %s" % (x8["ms"], in1["ms"]))
    check(x8["x8_after_return"] == 0 and x8["x8_after_return_max"] == 5,
          "x8 after the return: %s (first row after) .. %s (last row before), want 0 .. 5" % (
              x8["x8_after_return"], x8["x8_after_return_max"]))
    check(abs(in1["min_frac"] - 0.5) < 0.01,
          "a dip 48 ms after in1's return: worst ms %.2f, want 0.50" % in1["min_frac"])
    check(in1["n_ms"] >= app_bench.TD_TAIL_MS, "in1's window: %d ms" % in1["n_ms"])
    check(abs(x8["min_frac"] - 1.0) < 0.01, "x8's window has no dip: %.2f" % x8["min_frac"])
    return r


def floors():
    """The machine's own floor is the median over same-length windows
    before: one slow ms in the 300 ms before excused a release whose
    window held ten (the worst of 300 ms against the worst of ~100 passed
    a run with no effect 3 times in 4; found by review). A stall of the
    other interfaces across the call is a worst ms of 0; a gap in the
    window is reported, and weighs its length in the mean."""
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "m.csv")
        low = {1210: 0.75}
        low.update({1520 + i: 0.80 for i in range(10)})
        mslog(p, low=low)
        in1 = app_bench.analyse_mslog(p)["rel_in1"]
        check(abs(in1["base_worst_frac"] - 0.75) < 0.01 and abs(in1["base_min_frac"] - 1.0) < 0.01,
              "one outlier before: worst %.2f, floor %.2f (want 0.75, 1.00)" % (
                  in1["base_worst_frac"], in1["base_min_frac"]))
        check(abs(in1["min_frac"] - 0.80) < 0.01 and in1["ms_below_90"] == 10,
              "ten ms at 0.80 after in1: worst %.2f, %d below 90%%" % (in1["min_frac"], in1["ms_below_90"]))
        mslog(p, low={1498 + i: 0.0 for i in range(7)})  # nothing out for 7 ms across the call
        in1 = app_bench.analyse_mslog(p)["rel_in1"]
        check(in1["min_frac"] < 0.01, "a 7 ms stall across the call: worst ms %.2f" % in1["min_frac"])
        mslog(p, gap=(1550, 5))  # no rows for 5 ms, 48 ms after the return
        in1 = app_bench.analyse_mslog(p)["rel_in1"]
        check(in1["max_gap_ms"] is not None and abs(in1["max_gap_ms"] - 6.0) < 0.01,
              "a 5 ms gap in the window: max_gap_ms %s, want 6" % in1["max_gap_ms"])
        mslog(p, gap=(1250, 5))  # before the window: not its gap
        in1 = app_bench.analyse_mslog(p)["rel_in1"]
        check(abs(in1["max_gap_ms"] - 1.0) < 0.01, "a gap before the window: %s" % in1["max_gap_ms"])
    return in1


def verdicts(r):
    """Five runs of the same figures, in1's worst ms as given."""
    def td(in1_min, in1_floor):
        reps = {k: [] for k in ("release_x8_ms", "release_in1_ms", "shutdown_ms", "x8_call_ms",
                                "in1_call_ms", "x8_mean_frac", "x8_min_frac", "x8_floor",
                                "x8_mean_floor", "in1_mean_frac", "in1_min_frac", "in1_floor",
                                "in1_mean_floor", "x8_after_return", "x8_after_return_max",
                                "x8_cli_after", "shutdown_tx_after_return")}
        for mn, fl_ in zip(in1_min, in1_floor):
            for k, v in (("release_x8_ms", 2), ("release_in1_ms", 2), ("shutdown_ms", 20),
                         ("x8_call_ms", 2.4), ("in1_call_ms", 1.6), ("x8_mean_frac", 1.0),
                         ("x8_min_frac", 0.95), ("x8_floor", 0.9), ("x8_mean_floor", 0.95),
                         ("in1_mean_frac", 0.97), ("in1_min_frac", mn), ("in1_floor", fl_),
                         ("in1_mean_floor", 0.95), ("x8_after_return", 0),
                         ("x8_after_return_max", 0), ("x8_cli_after", 0),
                         ("shutdown_tx_after_return", 0)):
                reps[k].append(v)
        t = dict(r, flows=1 << 20, mfes_created=1 << 20, create_s=7.0, load1=0.1, reps=reps,
                 in1_share=0.0, x8_groups=0.1875)
        return {"reps": 1, "window_s": 1.0, "warmup_s": 1.0, "sizes": [64], "flows": [1],
                "fans": [1], "quick": False, "mix": None, "date": "test", "_teardown": t}

    def in1_every_ms_met(d):
        with tempfile.TemporaryDirectory() as o:
            jp = os.path.join(o, "app_bench.json")
            json.dump(d, open(jp, "w"))
            subprocess.check_call([sys.executable, os.path.join(ROOT, "bench", "report_app.py"),
                                   jp, o], stdout=subprocess.DEVNULL)
            md = open(os.path.join(o, "app.md")).read()
        row = [ln for ln in md.splitlines()
               if "during the in1 release (every ms" in ln]
        check(len(row) == 1, "report: no in1 every-ms row")
        return row[0].rstrip().endswith("| met |") if row else None

    # the median (0.95) passes, two runs are below 90% and above their floor
    check(in1_every_ms_met(td([0.95, 0.85, 0.96, 0.86, 0.97], [0.9, 0.8, 0.9, 0.8, 0.9])) is True,
          "runs below 90% but at their floor: should be met")
    # the same median, one run below 90% and below its floor: not met
    check(in1_every_ms_met(td([0.95, 0.85, 0.96, 0.97, 0.98], [0.9, 0.9, 0.9, 0.9, 0.9])) is False,
          "a run below both 90% and its floor: should not be met (the median is 0.96)")


def merges():
    td1 = {"date": "d1", "only": "td", "flows": [1, 1024], "reps": 3}
    tp1 = {"date": "d1", "only": "tp", "flows": [1024], "reps": 5}
    n = app_bench.merged_notes([td1, tp1], {"date": "d2", "only": "td", "flows": [1], "reps": 3})
    check([x["date"] + x["only"] for x in n] == ["d1tp", "d2td"], "merge: td again: %s" % n)
    n = app_bench.merged_notes(n, {"date": "d3", "only": "tp", "flows": [1, 1024], "reps": 5})
    check([x["date"] + x["only"] for x in n] == ["d1tp", "d2td", "d3tp"],
          "merge: tp of other flows is another part: %s" % n)
    n = app_bench.merged_notes(n, {"date": "d4", "only": "tp", "flows": [1024], "reps": 3})
    check([x["date"] + x["only"] for x in n] == ["d2td", "d3tp", "d4tp"], "merge: tp again: %s" % n)


def paired_ratios():
    import report_app
    m = [{"mpps_in": x} for x in (31.0, 32.0, 31.3, 32.2, 31.8)]
    t = [{"mpps_in": x} for x in (62.7, 66.0, 62.5, 66.5, 47.2)]
    r, rng = report_app.paired(m, t)
    check(abs(r - 31.0 / 62.7) < 1e-9 and r < report_app.CEIL_TARGET,
          "paired: %s (the medians' ratio, %.3f, passes)" % (r, report_app.med(m) / report_app.med(t)))
    check(rng is not None and abs(rng[1] - 31.8 / 47.2) < 1e-9, "paired range %s" % (rng,))
    # the count of repetitions that reach the target, beside the median
    hi = [{"mpps_in": x} for x in (30.0, 34.0, 30.0, 34.0, 34.0)]
    lo = [{"mpps_in": 62.0}] * 5
    check(report_app.reps_at_least(hi, lo, 0.5) == "; 3 of 5 reach it",
          "repetitions at 50%%: %r" % report_app.reps_at_least(hi, lo, 0.5))
    r, rng = report_app.paired(m, t[:4])
    check(rng is None and abs(r - report_app.med(m) / report_app.med(t[:4])) < 1e-9,
          "unpaired: the medians' ratio, %s" % r)


def cache_tables():
    import report
    def b(name, rate):
        return {"name": name, "lookups_per_s": rate, "bytes_per_entry": 63.5}
    runs = {x["name"]: x for x in [
        b("BM_LookupBulk/table:0/entries:65536", 210e6), b("BM_LookupBulk/table:2/entries:65536", 100e6),
        b("BM_LookupSingle/table:0/entries:65536", 140e6), b("BM_LookupSingle/table:2/entries:65536", 70e6),
        b("BM_LookupMiss/table:0/entries:65536", 220e6), b("BM_LookupMiss/table:2/entries:65536", 110e6)]}
    hits, _ = report.lookup_table(runs)
    row = [ln for ln in hits.splitlines() if ln.startswith("| 64K ")]
    check(len(row) == 1 and row[0].split("|")[8].strip() == "140.0"
          and "220.0" not in hits and "110.0" not in hits, "hit table: %s" % row)
    miss = report.miss_table(runs)
    check("| 64K entries | 220.0 | – | 110.0 | – | 2.00x |" in miss, "miss table: %s" % miss)
    check(report.miss_table({k: v for k, v in runs.items() if "Miss" not in k}) == "",
          "no miss rows, no miss table")


def main():
    r = analysis()
    floors()
    verdicts(r)
    merges()
    paired_ratios()
    cache_tables()
    print("bench analysis: %s" % ("ok" if not fails else "%d failures" % len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
