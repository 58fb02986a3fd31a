#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The README's first command, checked: run scripts/demo.sh on a built
mcfwd (MCFWD_DEMO_BIN: no install, no build) and hold its output to what
the demo says it shows.

demo_check.py MCFWD
"""
import os
import re
import signal
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
failed = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failed.append(what)


def blocks(out):
    """The CLI session's output per command: [(command, text)]."""
    res, cur, buf = [], None, []
    for ln in out.splitlines():
        m = re.match(r"^mcfwd> (.*)$", ln)
        if m:
            if cur is not None:
                res.append((cur, "\n".join(buf)))
            cur, buf = m.group(1).strip(), []
        elif cur is not None:
            buf.append(ln)
    if cur is not None:
        res.append((cur, "\n".join(buf)))
    return res


def mroutes(text):
    """{(src, grp): (iif, [oifs], packets, wrongif)} from 'show ip mroute'."""
    r = {}
    for ln in text.splitlines():
        f = ln.split()
        if len(f) < 8 or not re.match(r"^\d+\.\d+\.\d+\.\d+$", f[0]):
            continue
        # Source Group Iif Oifs... Packets Bytes WrongIf Uptime Expires
        oifs = f[3:-5]
        r[(f[0], f[1])] = (f[2], oifs, int(f[-5]), int(f[-3]))
    return r


def port_tx(text):
    m = re.search(r"TX-packets:\s+(\d+)", text)
    return int(m.group(1)) if m else None


def main():
    mcfwd = os.path.abspath(sys.argv[1])
    env = dict(os.environ, MCFWD_DEMO_BIN=mcfwd)
    # a session of its own: on a timeout the whole group goes (killing bash
    # alone left its mcfwd busy-polling both cores for every later test)
    p = subprocess.Popen(["bash", os.path.join(ROOT, "scripts", "demo.sh")], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    try:
        out, _ = p.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        print(out)
        sys.exit("demo_check: the demo did not end within 240 s (killed)")
    check(p.returncode == 0, "demo exits 0 (rc %d)" % p.returncode)
    b = blocks(out)
    cmds = [c for c, _ in b]
    check(cmds[:4] == ["show version", "show interfaces", "show protocols", "sleep 1500"],
          "the CLI script ran from its first line")
    check(cmds and cmds[-1] == "quit", "the CLI script ran to 'quit'")
    if len(b) < 18:
        print(out)
        sys.exit("demo_check: the session stopped early (%d commands)" % len(b))

    want = {
        ("10.0.0.1", "232.1.1.1"): ("up0", ["rx2(1)"]),
        ("10.0.0.1", "232.1.1.2"): ("up0", ["rx2(1)", "rx3(1)"]),
        ("10.0.0.2", "232.1.1.3"): ("up0", ["rx2(1)", "rx3(1)", "rx4(1)"]),
        ("10.0.0.3", "232.1.1.3"): ("up0", ["rx2(1)", "rx3(1)", "rx4(1)"]),
        ("10.0.0.1", "232.1.1.4"): ("up0", ["rx2(1)", "rx3(1)", "rx4(1)", "rx5(4)"]),
        ("10.1.0.7", "232.1.1.5"): ("up1", ["up0(1)", "rx4(1)"]),
    }
    first = mroutes(b[4][1])
    check(set(first) == set(want), "the first 'show ip mroute' lists the six flows' entries")
    for k, (iif, oifs) in want.items():
        e = first.get(k)
        check(e is not None and e[0] == iif and e[1] == oifs and e[2] > 0,
              "%s,%s: iif %s, oifs %s, packets forwarded (%s)" % (k[0], k[1], iif, oifs, e))
    check(first.get(("10.0.0.1", "232.1.1.1"), (0, 0, 0, 0))[3] > 0,
          "10.0.0.1,232.1.1.1 counts its wrong-interface copy")

    m = re.search(r"in: (\d+) packets, \d+ bytes; wrong interface (\d+), discards \d+, "
                  r"header errors (\d+)", b[5][1])
    check(b[5][0] == "show ip mroute 10.0.0.1 232.1.1.1" and m is not None and
          int(m.group(1)) > 0 and int(m.group(2)) > 0 and int(m.group(3)) > 0,
          "the detail view of 10.0.0.1,232.1.1.1 counts packets, wrong interface and TTL-1 "
          "header errors (%s)" % (m.groups() if m else b[5][1][:300],))
    m = re.search(r"^  rx2 +0\.0\.0\.0 +(\d+) +0 +0 +0$", b[5][1], re.M)
    check(m is not None and int(m.group(1)) > 0, "the detail view lists rx2's counters")

    st = {m.group(1): int(m.group(2))
          for m in re.finditer(r"^\s+([a-z_]+)\s+(\d+)$", b[6][1], re.M)}
    for c in ("rx_pkts", "fwd", "wrong_if", "ttl_expired", "ctrl_punted", "miss_punted", "tx_pkts"):
        check(st.get(c, 0) > 0, "show stats: %s > 0 (%s)" % (c, st.get(c)))
    for c in ("bad_hdr", "not_ip", "not_mcast", "tx_discards", "alloc_fail"):
        check(st.get(c, -1) == 0, "show stats: %s == 0 (%s)" % (c, st.get(c)))

    check(b[8][0] == "interface release rx3" and
          re.search(r"interface rx3 released in \d+ ms", b[8][1]) is not None,
          "'interface release rx3' succeeds")
    before, after, later = port_tx(b[7][1]), port_tx(b[9][1]), port_tx(b[11][1])
    check(before is not None and before > 0, "rx3 sent before the release (%s)" % before)
    check(after is not None and after == later,
          "rx3 sends nothing once the release returned (%s, then %s a second later)"
          % (after, later))
    second = mroutes(b[12][1])
    check(all("rx3" not in " ".join(e[1]) for e in second.values()) and len(second) == 6,
          "rx3 is gone from every OIF list, the six entries stay")
    k = ("10.0.0.1", "232.1.1.4")
    check(k in second and k in first and second[k][2] > first[k][2],
          "the other interfaces went on forwarding")
    check(re.search(r"protocol static shut down in \d+ ms", b[13][1]) is not None,
          "'protocol shutdown static' succeeds")
    check(re.search(r"^MFEs: 0 ", b[14][1], re.M) is not None,
          "no MFE right after the shutdown (%s)" % b[14][1].strip())
    last = mroutes(b[16][1])
    check(b[16][0] == "show ip mroute" and len(last) > 0 and
          all(re.match(r"^\(negative: \d+ dropped\)$", " ".join(e[1])) and e[2] == 0
              for e in last.values()),
          "after the shutdown no entry forwards (only negative entries from new misses)")

    m = re.search(r"accounting: \d+ received \+ \d+ handed back = \d+ fates \(gap (-?\d+)\)", out)
    check(m is not None and m.group(1) == "0", "every packet accounted for (%s)"
          % (m.group(0) if m else "no line"))
    m = re.search(r"mbufs back in their pools: (\d+)/(\d+), clones (\d+)/(\d+)", out)
    check(m is not None and m.group(1) == m.group(2) and m.group(3) == m.group(4),
          "every mbuf back in its pool (%s)" % (m.group(0) if m else "no line"))
    if failed:
        print("---- demo output ----")
        print(out)
        sys.exit("demo_check: %d check(s) failed" % len(failed))
    print("demo_check: all checks passed")


if __name__ == "__main__":
    main()
