#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Turn Google Benchmark JSON (bench_mfc) into Markdown tables and PNG plots.

usage: report.py BENCH_JSON OUT_DIR [--readme README.md] [--machine TEXT]

Writes OUT_DIR/cache.md, OUT_DIR/lookup.png, OUT_DIR/purge.png and, with
--readme, replaces the text between '<!-- bench:cache:start -->' and
'<!-- bench:cache:end -->' in README.md with the headline tables. Every
figure comes from the JSON: medians over the repetitions when there are
several, the single run otherwise.
"""
import json
import re
import sys
from collections import defaultdict

TABLES = {0: "mfc", 1: "mfc_thp", 2: "rte_hash", 3: "cds_lfht"}


def load(path):
    with open(path) as f:
        doc = json.load(f)
    runs = defaultdict(list)
    for b in doc["benchmarks"]:
        if b.get("error_occurred"):
            continue
        agg = b.get("aggregate_name")
        if agg and agg != "median":
            continue
        runs[b.get("run_name", b["name"])].append(b)
    # prefer the median aggregate; else the single iteration run
    out = {}
    for name, bs in runs.items():
        med = [b for b in bs if b.get("aggregate_name") == "median"]
        out[name] = med[0] if med else bs[0]
    return doc.get("context", {}), out


def args(name):
    return {k: int(v) for k, v in re.findall(r"(\w+):(\d+)", name)}


def fmt_rate(x):
    return f"{x / 1e6:.1f}"


def human(n):
    for div, suf in ((1 << 20, "M"), (1 << 10, "K")):
        if n >= div and n % div == 0:
            return f"{n // div}{suf}"
    return str(n)


def lookup_table(runs):
    rows = defaultdict(dict)
    for name, b in runs.items():
        if not name.startswith(("BM_LookupBulk/", "BM_LookupSingle/")):
            continue
        a = args(name)
        kind = "bulk" if name.startswith("BM_LookupBulk") else "single"
        rows[a["entries"]][(kind, TABLES[a["table"]])] = b
    lines = ["| entries | mfc burst | mfc burst (THP) | rte_hash burst | cds_lfht | "
             "mfc / rte_hash | mfc / cds_lfht | mfc single | rte_hash single | bytes/entry |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    plot = []
    for n in sorted(rows):
        r = rows[n]
        def rate(k, t):
            b = r.get((k, t))
            return b["lookups_per_s"] if b else None
        m, mt, rh, lf = (rate("bulk", t) for t in ("mfc", "mfc_thp", "rte_hash", "cds_lfht"))
        ms, rs = rate("single", "mfc"), rate("single", "rte_hash")
        bpe = r.get(("bulk", "mfc"), {}).get("bytes_per_entry")
        cell = lambda x: fmt_rate(x) if x else "–"
        ratio = lambda a, b: f"{a / b:.2f}x" if a and b else "–"
        lines.append(f"| {human(n)} | {cell(m)} | {cell(mt)} | {cell(rh)} | {cell(lf)} | "
                     f"{ratio(m, rh)} | {ratio(m, lf)} | {cell(ms)} | {cell(rs)} | "
                     f"{bpe:.1f} |" if bpe else
                     f"| {human(n)} | {cell(m)} | {cell(mt)} | {cell(rh)} | {cell(lf)} | "
                     f"{ratio(m, rh)} | {ratio(m, lf)} | {cell(ms)} | {cell(rs)} | – |")
        plot.append((n, m, mt, rh, lf))
    return "\n".join(lines), plot


def miss_table(runs):
    """Bursts of keys none of the tables holds (the flows a released input
    still sends, a scan of groups): every table reads both of a key's
    buckets, rte_hash compares 16-bit signatures first."""
    rows = defaultdict(dict)
    for name, b in runs.items():
        if name.startswith("BM_LookupMiss/"):
            a = args(name)
            rows[a["entries"]][TABLES[a["table"]]] = b["lookups_per_s"]
    if not rows:
        return ""
    lines = ["| misses (keys not in the table), burst | mfc | mfc (THP) | rte_hash | cds_lfht | "
             "mfc / rte_hash |", "|---:|---:|---:|---:|---:|---:|"]
    for n in sorted(rows):
        r = rows[n]
        cell = lambda t: fmt_rate(r[t]) if t in r else "–"
        ratio = f"{r['mfc'] / r['rte_hash']:.2f}x" if "mfc" in r and "rte_hash" in r else "–"
        lines.append(f"| {human(n)} entries | {cell('mfc')} | {cell('mfc_thp')} | {cell('rte_hash')} | "
                     f"{cell('cds_lfht')} | {ratio} |")
    return "\n".join(lines)


def writer_table(runs):
    rates = defaultdict(dict)
    for name, b in runs.items():
        for op in ("Insert", "Replace", "Delete"):
            if name.startswith(f"BM_{op}/"):
                rates[op][b.get("label", "mfc")] = b["ops_per_s"]
    if not rates:
        return ""
    lines = ["| operation (1M entries) | mfc | rte_hash | cds_lfht |", "|---|---:|---:|---:|"]
    for op in ("Insert", "Replace", "Delete"):
        r = rates.get(op, {})
        cell = lambda t: f"{r[t] / 1e6:.2f} M/s" if t in r else "–"
        lines.append(f"| {op.lower()} | {cell('mfc')} | {cell('rte_hash')} | {cell('cds_lfht')} |")
    return "\n".join(lines)


def purge_table(runs):
    lines = ["| removal of one interface from 1M entries | hide | unlink | grace period | "
             "reclaim | total |", "|---|---:|---:|---:|---:|---:|"]
    plot = []
    what = {0: "mfc purge, interface is the iif of all", 1: "mfc purge, interface is an OIF (64 shared lists)",
            2: "mfc purge, interface is an OIF (a list per entry)"}
    for name, b in sorted(runs.items()):
        if name.startswith("BM_PurgeMfc/"):
            a = args(name)
            mem = "THP" if a.get("thp") else "4 KiB pages"
            label = f"{what[a['kind']]}, {mem}"
            total = b["real_time"] if b.get("time_unit") == "ms" else b["real_time"] / 1e6
            lines.append(f"| {label} | {b['hide_us']:.3f} µs | {b['unlink_ms']:.2f} ms | "
                         f"{b['gp_us']:.1f} µs | {b['reclaim_ms']:.2f} ms | **{total:.2f} ms** |")
            plot.append((label, total))
        elif name.startswith("BM_PurgeBaseline/"):
            a = args(name)
            total = b["real_time"]
            label = f"{TABLES[a['table']]}: delete loop + grace period + free"
            lines.append(f"| {label} | – | {b['unlink_ms']:.2f} ms | – | {b['reclaim_ms']:.2f} ms | "
                         f"**{total:.2f} ms** |")
            plot.append((label, total))
    return "\n".join(lines), plot


def gp_table(runs):
    lines = ["| grace period, busy reader on the other core | p50 | p99 | max |",
             "|---|---:|---:|---:|"]
    for name, b in sorted(runs.items()):
        if name.startswith("BM_GracePeriod/"):
            lines.append(f"| {b.get('label', name)} | {b['p50_us']:.2f} µs | {b['p99_us']:.2f} µs | "
                         f"{b['max_us']:.1f} µs |")
    return "\n".join(lines)


def mgm_table(runs):
    lines = ["| MGM (control thread) | figure |", "|---|---:|"]
    found = False
    for name, b in sorted(runs.items()):
        if name.startswith("BM_MgmShutdown/"):
            found = True
            lines.append(f"| data-driven MFE creation (miss → RPF → union → publish), "
                         f"{int(b['mfes'])} MFEs | {b['create_per_s'] / 1e6:.2f} M/s |")
            lines.append(f"| protocol shutdown: {b.get('label', '')}, {int(b['mfes'])} MFEs "
                         f"(release each, purge, deregister) | {b['real_time']:.0f} ms |")
        elif name.startswith("BM_MgmRelease/"):
            found = True
            lines.append(f"| interface release: {b.get('label', '')}, {int(b['released'])} of "
                         f"{int(b['mfes'])} MFEs (the call; cache reclaim deferred as in the app) "
                         f"| {b['real_time']:.1f} ms |")
            lines.append(f"| then the control loop: records and cache slots freed in "
                         f"{b['reap_polls']:.0f} polls, longest | {b['reap_ms']:.0f} ms, "
                         f"{b['reap_max_slice_ms']:.1f} ms |")
        elif name.startswith("BM_MgmMembershipAdd/"):
            found = True
            lines.append(f"| membership add, (*,G) on 64 interfaces, no MFE to update | "
                         f"{b['ops_per_s'] / 1e6:.2f} M/s |")
    return "\n".join(lines) if found else ""


def plots(outdir, lplot, pplot):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report: matplotlib missing, no plots", file=sys.stderr)
        return
    if lplot:
        fig, ax = plt.subplots(figsize=(8, 4.5))
        names = ["mfc", "mfc (THP)", "rte_hash", "cds_lfht"]
        w = 0.2
        for i, nm in enumerate(names):
            xs = [j + (i - 1.5) * w for j in range(len(lplot))]
            ys = [(row[1 + i] or 0) / 1e6 for row in lplot]
            ax.bar(xs, ys, w, label=nm)
        ax.set_xticks(range(len(lplot)), [human(r[0]) for r in lplot])
        ax.set_xlabel("entries in the table")
        ax.set_ylabel("lookups per second per core (millions)")
        ax.set_title("Burst lookup, (S,G) IPv4 keys, one core")
        ax.legend()
        fig.tight_layout()
        fig.savefig(f"{outdir}/lookup.png", dpi=110)
        plt.close(fig)
    if pplot:
        fig, ax = plt.subplots(figsize=(9, 4))
        labels = [p[0] for p in pplot]
        ax.barh(range(len(pplot)), [p[1] for p in pplot], color="tab:blue")
        ax.set_yticks(range(len(pplot)), labels, fontsize=7)
        ax.set_xscale("log")
        ax.set_xlabel("milliseconds (log scale)")
        ax.set_title("Removing one interface from 1M entries, until memory is back")
        fig.tight_layout()
        fig.savefig(f"{outdir}/purge.png", dpi=110)
        plt.close(fig)


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    path, outdir = sys.argv[1], sys.argv[2]
    readme = machine = None
    reps_opt = 1
    rest = sys.argv[3:]
    while rest:
        opt = rest.pop(0)
        if opt == "--readme":
            readme = rest.pop(0)
        elif opt == "--machine":
            machine = rest.pop(0)
        elif opt == "--reps":
            reps_opt = int(rest.pop(0))
    ctx, runs = load(path)
    lt, lplot = lookup_table(runs)
    pt, pplot = purge_table(runs)
    reps = reps_opt
    mach = machine or f"{ctx.get('num_cpus', '?')} CPUs at {ctx.get('mhz_per_cpu', '?')} MHz"
    rep_txt = f"medians of {reps} repetitions" if reps > 1 else "one run of each"
    at = f" at commit {ctx['commit']}" if ctx.get("commit") else ""
    head = (f"Machine: {mach}. Run: {ctx.get('date', '?')}{at}, {rep_txt}. "
            "Lookups in millions per second per core, burst = 64 keys. All tables on "
            "4 KiB anonymous pages (EAL `--no-huge`) except the THP column.\n")
    body = "\n\n".join(x for x in [head, lt, miss_table(runs), writer_table(runs), pt, gp_table(runs),
                                      mgm_table(runs)] if x)
    with open(f"{outdir}/cache.md", "w") as f:
        f.write("# Forwarding cache benchmarks\n\n" + body + "\n\n![lookup](lookup.png)\n\n"
                "![purge](purge.png)\n")
    plots(outdir, lplot, pplot)
    if readme:
        with open(readme) as f:
            text = f.read()
        start, end = "<!-- bench:cache:start -->", "<!-- bench:cache:end -->"
        if start in text and end in text:
            pre, rest_ = text.split(start, 1)
            _, post = rest_.split(end, 1)
            text = pre + start + "\n" + body + "\n" + end + post
            with open(readme, "w") as f:
                f.write(text)
        else:
            print(f"report: markers not found in {readme}", file=sys.stderr)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
