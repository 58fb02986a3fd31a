#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Soak: mcfwd forwards a steady stream while the control plane churns for
SECONDS (default 60; the documented long run is 1800): static routes added
and deleted, interfaces released and taken back by reloading the config,
the protocol shut down and loaded again, counters cleared. Checks: resident
memory does not grow after the first tenth of the run, MFEs and memberships
come back to their starting figures, every received packet ends in exactly
one fate counter, every mbuf is back in its pool at exit.

usage: soak.py MCFWD_BINARY [SECONDS]
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcap_e2e as e  # noqa: E402


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def main():
    e.MCFWD = os.path.abspath(sys.argv[1])
    secs = int(sys.argv[2]) if len(sys.argv) > 2 else int(os.environ.get("MCFWD_SOAK_SECONDS", "60"))
    print("soak: %d s of control-plane churn under traffic" % secs)
    flows = [("10.0.0.%d" % (i + 1), "232.1.1.%d" % (i % 8 + 1)) for i in range(32)]
    inp = {0: [e.pkt(s, g, seq=i) for i, (s, g) in enumerate(flows)],
           1: [e.pkt("10.1.0.7", "232.2.0.1", seq=i) for i in range(8)]}
    cfg = ("iface p0 port 0\niface p1 port 1\niface p2 port 2\niface p3 port 3\n"
           "iface v9 port 3 vlan 9\n"
           "mroute from p0 group 232.1.1.1 to p2 p3\n"
           "mroute from p0 group 232.1.1.2 to p2 v9\n"
           "mroute from p0 source 10.0.0.3 group 232.1.1.3 to p3\n"
           "mroute from p1 group 232.2.0.1 to p0 p2\n")
    # one cycle ~ 0.5 s of the control thread's time
    cycle = """mroute add from p0 group 232.1.1.5 to p2 p3
sleep 40
mroute add from p0 source 10.0.0.6 group 232.1.1.6 to v9
sleep 40
interface release p3
sleep 40
mroute del group 232.1.1.5
mroute del source 10.0.0.6 group 232.1.1.6
reload
sleep 40
protocol shutdown static
sleep 20
protocol static load %(cfg)s
sleep 40
set link-down port 2
sleep 30
set link-up port 2
sleep 30
clear counters
show ip mroute count
sleep 200
"""
    r = e.Run("soak", nports=4, config=cfg, cmds="", inputs=inp, infinite=True,
              extra=["--mfe-timeout", "2", "--idle-us", "0"])
    n = max(1, int(secs / 0.55))
    with open(r.cmdfile, "w") as f:
        f.write("sleep 1000\nshow ip mroute count\n")
        for _ in range(n):
            f.write(cycle % {"cfg": r.cfg})
        f.write("sleep 3000\nshow ip mroute count\nshow stats json\nquit\n")
    samples = []

    def during(run):
        # the process of this run: the newest mcfwd child with our prefix
        pid = None
        for _ in range(100):
            for d in os.listdir("/proc"):
                if d.isdigit():
                    try:
                        cmd = open("/proc/%s/cmdline" % d, "rb").read()
                    except OSError:
                        continue
                    if run.prefix.encode() in cmd and b"mcfwd" in cmd:
                        pid = int(d)
            if pid:
                break
            time.sleep(0.05)
        while pid and os.path.exists("/proc/%d" % pid):
            v = rss_kb(pid)
            if v:
                samples.append((time.time(), v))
            time.sleep(0.5)

    r.run(timeout=secs * 3 + 120, during=during)
    e.check(r.rc == 0, "soak: exit status %s:\n%s" % (r.rc, r.out[-1500:]))
    e.check("mbufs back in their pools" in r.out and "mbuf leak" not in r.out, "soak: mbufs not all back")
    errs = [l for l in r.out.splitlines() if "error:" in l]
    e.check(not errs, "soak: commands failed: %s" % errs[:5])
    # at exit, with the workers stopped, the raw totals must add up exactly
    e.check(re.search(r"^accounting: \d+ received .* \(gap 0\)$", r.out, re.M) is not None,
            "soak: counters do not add up: %s" % re.findall(r"^accounting:.*$", r.out, re.M))
    counts = re.findall(r"MFEs: (\d+) .*memberships: (\d+)", r.out)
    if e.check(len(counts) >= 3, "soak: no counts"):
        first, last = counts[0], counts[-1]
        e.check(last[1] == first[1], "soak: memberships %s at the start, %s at the end" % (first[1], last[1]))
        e.check(int(last[0]) <= int(first[0]) + 40, "soak: MFEs grew from %s to %s" % (first[0], last[0]))
    if e.check(len(samples) >= 8, "soak: no memory samples"):
        # steady state: after the first tenth (pools, tables touched), and
        # before exit (the last second, when everything is torn down)
        t0, t1 = samples[0][0], samples[-1][0]
        steady = [v for t, v in samples if t - t0 >= max(2.0, secs / 10) and t1 - t >= 1.0]
        if e.check(len(steady) >= 4, "soak: too few steady samples"):
            q = max(1, len(steady) // 4)
            first, last = sorted(steady[:q])[q // 2], sorted(steady[-q:])[q // 2]
            print("  RSS %d kB after warm-up, %d kB at the end (%+d kB), max %d kB, %d samples" %
                  (first, last, last - first, max(steady), len(steady)))
            e.check(last - first < 4 * 1024, "soak: resident memory grew by %d kB" % (last - first))
    m = re.search(r"rx_pkts\s+(\d+)", r.out)
    print("  %d cycles, %s packets received" % (n, m.group(1) if m else "?"))
    r.cleanup()
    if e.FAILS:
        print("%d check(s) failed" % len(e.FAILS))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
