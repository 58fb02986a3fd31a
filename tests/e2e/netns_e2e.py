#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""End to end with real Linux hosts: mcfwd between network namespaces,
and the Linux kernel's multicast router (ipmr, configured by smcrouted)
as the reference.

scripts/netns-topo.sh builds two sources (s1, s2) and three receivers
(r1..r3), each a namespace joined by a veth pair to a router namespace.
mcfwd runs in the router namespace on net_af_packet ports, one per
router-side veth (port 0 s1, 1 s2, 2 r1, 3 r2, 4 r3). Hosts use ordinary
sockets (tests/e2e/netns/mcast.py); every receiver link is captured by
tcpdump (inbound only), so what a receiver did not ask for is seen too.

Usage: netns_e2e.py MCFWD [SCENARIO...]   (igmp, seed, kernel_diff)
       netns_e2e.py MCFWD --live          the live demo (scripts/demo.sh --live)
Needs root; exits 77 (skipped) otherwise.
"""
import glob
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from lcores import lcores as eal_lcores  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TOPO = os.path.join(HERE, "..", "..", "scripts", "netns-topo.sh")
TOOL = os.path.join(HERE, "netns", "mcast.py")
PY = "/usr/bin/python3"

MCFWD = None
FAILS = []
LIVE = False
SFX = "%x" % (os.getpid() & 0xFFFFFF)  # the run's suffix (<= 6 characters)
HOSTS = ["s1", "s2", "r1", "r2", "r3"]
RECEIVERS = ["r1", "r2", "r3"]
NET = {"s1": "10.0.1", "s2": "10.0.2", "r1": "10.1.1", "r2": "10.1.2", "r3": "10.1.3"}
ADDR = {h: NET[h] + ".1" for h in HOSTS}
PORT = {h: i for i, h in enumerate(HOSTS)}  # mcfwd port of each router-side veth
S1, S2 = ADDR["s1"], ADDR["s2"]
MIN_DELIVERED = 200  # per receiver that must get a flow, before anything is compared
LMQT = 2.0           # last member query time with the defaults: LMQC 2 x LMQI 1 s


def ns(h):
    return "mc%s-%s" % (h, SFX)


def hv(h):
    return "h%s%s" % (h, SFX)


def rv(h):
    return "r%s%s" % (h, SFX)


RT = "mcrt-" + SFX
PREFIX = "mcfwd-netns-" + SFX
PROCS = []  # every process we started (killed by PID in cleanup)


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("  FAIL:", what, flush=True)
    return cond


def say(*a):
    print(*a, flush=True)


def spawn(argv, **kw):
    p = subprocess.Popen(argv, **kw)
    PROCS.append(p)
    return p


def in_ns(h, argv):
    return ["ip", "netns", "exec", RT if h == "rt" else ns(h)] + argv


def stop(p, sig=signal.SIGTERM, timeout=10):
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def cleanup():
    # the topology first: a timeout's SIGKILL follows SIGTERM by 0.5 s, and
    # namespaces left behind outlive the run (processes die with the test)
    subprocess.run(["bash", TOPO, "down", SFX], check=False)
    for p in PROCS:
        if p.poll() is None:
            p.kill()
            p.wait()
    shutil.rmtree("/var/run/dpdk/" + PREFIX, ignore_errors=True)


def sweep_stale():
    """Namespaces of earlier runs killed before their cleanup (their suffix
    is their PID in hex): taken down when that PID is gone."""
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    for ln in out.splitlines():
        m = re.match(r"mcrt-([0-9a-f]{1,6})\b", ln)
        if m and m.group(1) != SFX and not os.path.exists("/proc/%d" % int(m.group(1), 16)):
            say("taking down the namespaces of an earlier run (%s)" % m.group(1))
            subprocess.run(["bash", TOPO, "down", m.group(1)], check=False)
    # and their DPDK run directories (scripts/test.sh leaves these to us:
    # the suffix is hex)
    for d in glob.glob("/var/run/dpdk/mcfwd-netns-*"):
        x = d.rsplit("-", 1)[1]
        if re.fullmatch(r"[0-9a-f]{1,6}", x) and x != SFX and not os.path.exists("/proc/%d" % int(x, 16)):
            shutil.rmtree(d, ignore_errors=True)


# ------------------------------------------------------------------ hosts

class Sender:
    """mcast.py send in a source namespace; progress() is the next
    sequence number it will send."""

    def __init__(self, d, h, flows, rate, count=0, seq0=0):
        self.h = h
        self.prog = os.path.join(d, "progress-%s" % h)
        self.p = spawn(in_ns(h, [PY, TOOL, "send", "--src", ADDR[h], "--flows",
                                 ",".join("%s:%d" % f for f in flows), "--rate", str(rate),
                                 "--count", str(count), "--seq0", str(seq0), "--progress", self.prog]),
                       stdout=subprocess.PIPE, text=True)
        self.flows = flows

    def progress(self):
        try:
            with open(self.prog) as f:
                return int(f.read().strip() or 0)
        except (OSError, ValueError):
            return 0

    def stop(self):
        stop(self.p)
        out = self.p.stdout.read()
        m = re.search(r"sent (\d+)", out)
        return int(m.group(1)) if m else -1

    def wait(self, timeout=60):
        out, _ = self.p.communicate(timeout=timeout)
        m = re.search(r"sent (\d+)", out)
        return int(m.group(1)) if m else -1


class Receiver:
    """mcast.py recv in a receiver namespace: joins with ordinary sockets."""

    def __init__(self, d, h, joins):
        self.h = h
        self.out = os.path.join(d, "recv-%s.json" % h)
        self.p = spawn(in_ns(h, [PY, TOOL, "recv", "--join", ",".join(joins), "--out", self.out]),
                       stdout=subprocess.PIPE, text=True)
        line = self.p.stdout.readline()
        check(line.strip() == "joined", "%s: receiver did not join: %r" % (h, line))

    def leave(self):
        self.p.send_signal(signal.SIGUSR1)
        line = self.p.stdout.readline()
        m = re.match(r"left ([\d.]+)", line)
        return float(m.group(1)) if m else time.time()

    def stop(self):
        stop(self.p)
        try:
            with open(self.out) as f:
                return json.load(f)
        except (OSError, ValueError):
            check(False, "%s: receiver wrote nothing" % self.h)
            return []


class Capture:
    """tcpdump on a receiver's host veth, inbound frames only."""

    def __init__(self, d, h):
        self.h = h
        self.path = os.path.join(d, "cap-%s.pcap" % h)
        self.p = spawn(in_ns(h, ["tcpdump", "-i", hv(h), "-Q", "in", "-n", "-U", "--immediate-mode", "-B", "8192",
                                 "-w", self.path, "ip"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        line = self.p.stderr.readline()
        check("listening on" in line, "%s: tcpdump did not start: %s" % (h, line))

    def stop(self):
        time.sleep(0.2)  # libpcap hands frames over in blocks: let the last ones come
        stop(self.p, signal.SIGINT)
        err = self.p.stderr.read()
        m = re.search(r"(\d+) packets? dropped by kernel", err)
        check(m is not None and int(m.group(1)) == 0, "%s: tcpdump dropped packets: %s" % (self.h, err))
        self.frames = read_pcap(self.path)
        return self.frames


def read_pcap(path):
    """Every IPv4 frame: dict(proto, src, dst, ttl, seq, flow, sent_ttl, ok, csum_ok)."""
    out = []
    with open(path, "rb") as f:
        hdr = f.read(24)
        end = "<" if hdr[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                break
            incl = struct.unpack(end + "IIII", rh)[2]
            fr = f.read(incl)
            if len(fr) < 34 or fr[12:14] != b"\x08\x00":
                continue
            ip = fr[14:]
            ihl = (ip[0] & 15) * 4
            s = sum(int.from_bytes(ip[i:i + 2], "big") for i in range(0, ihl, 2))
            while s >> 16:
                s = (s & 0xFFFF) + (s >> 16)
            r = dict(proto=ip[9], ttl=ip[8], src=socket.inet_ntoa(ip[12:16]),
                     dst=socket.inet_ntoa(ip[16:20]), csum_ok=s == 0xFFFF, seq=-1, ok=False,
                     dmac=fr[0:6].hex())
            if ip[9] == 17:
                tot = int.from_bytes(ip[2:4], "big")
                pl = ip[ihl + 8:tot]
                sys.path.insert(0, os.path.join(HERE, "netns"))
                import mcast
                p = mcast.parse(pl)
                if p:
                    r.update(seq=p[0], flow=p[1], sent_ttl=p[2], ok=p[3])
            out.append(r)
    return out


# ------------------------------------------------------------------ routers

class Mcfwd:
    """mcfwd in the router namespace, commands on stdin."""

    def __init__(self, d, config, extra=()):
        self.cfg = os.path.join(d, "mcfwd.conf")
        with open(self.cfg, "w") as f:
            f.write(config)
        eal = ["--lcores", eal_lcores("0,1"), "--no-huge", "-m", "512", "--no-pci", "--file-prefix", PREFIX,
               "--log-level", "lib.eal:error", "--log-level", "pmd.net.af_packet:error"]
        for h in HOSTS:
            eal += ["--vdev", "net_af_packet%d,iface=%s" % (PORT[h], rv(h))]
        argv = in_ns("rt", [MCFWD] + eal + ["--", "--config", self.cfg, "--idle-us", "200"] + list(extra))
        self.p = spawn(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
        self.lines = []
        self.cv = threading.Condition()
        self.th = threading.Thread(target=self._read, daemon=True)
        self.th.start()
        self.cmd("")

    def _read(self):
        for line in self.p.stdout:
            with self.cv:
                self.lines.append(line.rstrip("\n"))
                self.cv.notify_all()
        with self.cv:
            self.cv.notify_all()

    MARK = re.compile(r"^mcfwd \d+\.\d+\.\d+ \(")

    def cmd(self, text, timeout=30):
        """Run command lines; returns their output once the last one returned
        (a `show version` after them marks the end)."""
        with self.cv:
            start = len(self.lines)
        lines = [l for l in text.splitlines() if l.strip()]
        self.p.stdin.write("".join(l + "\n" for l in lines) + "show version\n")
        self.p.stdin.flush()
        want = 1 + sum(1 for l in lines if l.strip() == "show version")
        end = time.time() + timeout
        with self.cv:
            while True:
                marks = [i for i in range(start, len(self.lines)) if self.MARK.match(self.lines[i])]
                if len(marks) >= want:
                    out = self.lines[start:marks[want - 1]]
                    break
                if time.time() > end or self.p.poll() is not None:
                    check(False, "mcfwd: no answer to %r:\n%s" % (text, "\n".join(self.lines[-30:])))
                    out = self.lines[start:]
                    break
                self.cv.wait(0.1)
        return "\n".join(out)

    def json(self, text):
        for l in self.cmd(text).splitlines():
            if l.startswith("{") or l.startswith("["):
                return json.loads(l)
        check(False, "mcfwd: no JSON from %r" % text)
        return None

    def tx(self, text="show port stats all"):
        """TX-packets per port from `show port stats` output."""
        res = {}
        for m in re.finditer(r"NIC statistics for port (\d+).*?TX-packets: (\d+)", text, re.S):
            res[int(m.group(1))] = int(m.group(2))
        return res

    def quit(self):
        """Stop: ports closed, rings drained; every mbuf back in its pool."""
        self.p.stdin.write("quit\n")
        self.p.stdin.flush()
        try:
            self.p.wait(30)
        except subprocess.TimeoutExpired:
            check(False, "mcfwd did not exit after quit")
            self.p.kill()
        self.th.join(5)
        out = "\n".join(self.lines)
        check(self.p.returncode == 0, "mcfwd exit status %s:\n%s" % (self.p.returncode, out[-1500:]))
        m = re.search(r"mbufs back in their pools: (\d+)/(\d+)", out)
        check(m is not None and m.group(1) == m.group(2) and "mbuf leak" not in out,
              "mcfwd: not every mbuf back in its pool:\n" + out[-800:])
        shutil.rmtree("/var/run/dpdk/" + PREFIX, ignore_errors=True)
        return out


def iface_lines(igmp=()):
    s = "".join("iface %s port %d address %s.254/24\n" % (rv(h), PORT[h], NET[h]) for h in HOSTS)
    s += "".join("phyint %s enable igmp\n" % rv(h) for h in igmp)
    return s


def min_count(frames, src, grp, what):
    n = sum(1 for f in frames if f["proto"] == 17 and f["src"] == src and f["dst"] == grp)
    check(n >= MIN_DELIVERED, "%s: only %d packets of (%s, %s) delivered" % (what, n, src, grp))
    return n


def check_frames_sane(cap, what):
    """Every UDP frame: valid IP checksum, payload intact, TTL one less than sent."""
    bad = [f for f in cap if f["proto"] == 17 and not (f["csum_ok"] and f["ok"] and
                                                      f["ttl"] == f.get("sent_ttl", -9) - 1)]
    check(not bad, "%s: %d frames damaged or with a wrong TTL, e.g. %s" % (what, len(bad), bad[:2]))


def tx_matches_capture(tx, caps, what):
    """Everything mcfwd sent on a receiver port arrived, nothing else did."""
    for h in RECEIVERS:
        if not check(tx.get(PORT[h]) == len(caps[h]), "%s: port %d (%s) TX-packets %s, %s captured %d frames" %
                     (what, PORT[h], rv(h), tx.get(PORT[h]), h, len(caps[h]))):
            say(subprocess.run(["ip", "-n", ns(h), "-s", "link", "show", hv(h)], capture_output=True,
                               text=True).stdout)
            say("    captured: %s" % Counter((f["proto"], f["src"], f["dst"]) for f in caps[h]))


# ------------------------------------------------------------------ scenarios

GA, GS, GJ = "239.1.1.1", "232.1.1.1", "239.2.2.2"


def scenario_igmp(d):
    """IGMPv3 joins from real hosts, data-driven creation, exact delivery,
    SSM, leave within the last-member-query time."""
    say("igmp: real hosts join with sockets; data-driven (S,G); SSM; leave")
    caps = {h: Capture(d, h) for h in RECEIVERS}
    r = Mcfwd(d, iface_lines(igmp=RECEIVERS) + "phyint %s enable\nphyint %s enable\n" % (rv("s1"), rv("s2")))
    rc = {"r1": Receiver(d, "r1", [GA]), "r2": Receiver(d, "r2", [GA, "%s@%s" % (GS, S1)])}
    time.sleep(1.0)  # the hosts' unsolicited reports (and their retransmission)
    groups = r.json("show ip igmp groups json")
    by = {(g["interface"], g["group"]): g for g in groups or []}
    check(by.get((rv("r1"), GA), {}).get("mode") == "exclude", "igmp: r1 has no (*,%s): %s" % (GA, groups))
    check(by.get((rv("r2"), GA), {}).get("mode") == "exclude", "igmp: r2 has no (*,%s)" % GA)
    g = by.get((rv("r2"), GS), {})
    check(g.get("mode") == "include" and [x["source"] for x in g.get("sources", [])] == [S1],
          "igmp: r2's SSM join is not INCLUDE {%s}: %s" % (S1, g))
    check(not any(k[0] == rv("r3") for k in by), "igmp: r3 joined nothing but has groups")
    check(all(g["version"] == 3 for g in groups or []), "igmp: not IGMPv3 reports: %s" % groups)
    st0 = r.json("show stats json")
    snd = [Sender(d, "s1", [(GA, 8), (GS, 8)], 300), Sender(d, "s2", [(GA, 8), (GS, 8)], 300)]
    time.sleep(3.0)
    mr = r.json("show ip mroute json")
    st = r.json("show stats json")
    t_leave = rc["r1"].leave()
    at_leave = snd[0].progress()
    time.sleep(LMQT + 0.5)
    # a packet numbered beyond this was sent after the last-member-query time
    after = {s.h: s.progress() for s in snd}
    time.sleep(1.5)
    sent = {s.h: s.stop() for s in snd}
    time.sleep(0.3)
    # TX counters, then the captures, then the receivers (whose leaves make queries)
    tx = r.tx(r.cmd("show port stats all"))
    cap = {h: c.stop() for h, c in caps.items()}
    got = {h: x.stop() for h, x in rc.items()}
    groups_after = r.json("show ip igmp groups json")
    out = r.quit()
    for h in RECEIVERS:
        check_frames_sane(cap[h], "igmp %s" % h)
    tx_matches_capture(tx, cap, "igmp")
    flows = {h: Counter((f["src"], f["dst"]) for f in cap[h] if f["proto"] == 17) for h in RECEIVERS}
    say("  delivered (wire): " + "; ".join("%s %s" % (h, dict(flows[h])) for h in RECEIVERS))
    min_count(cap["r1"], S1, GA, "igmp r1")
    min_count(cap["r1"], S2, GA, "igmp r1")
    min_count(cap["r2"], S1, GA, "igmp r2")
    min_count(cap["r2"], S1, GS, "igmp r2 (SSM)")
    check(set(flows["r1"]) == {(S1, GA), (S2, GA)}, "igmp: r1 got %s" % dict(flows["r1"]))
    check(set(flows["r2"]) == {(S1, GA), (S2, GA), (S1, GS)},
          "igmp: r2 got %s (the SSM join is for %s only)" % (dict(flows["r2"]), S1))
    check(not flows["r3"], "igmp: r3 joined nothing and got %s" % dict(flows["r3"]))
    # the sockets: TTL 7 (sent with 8), payload intact, nothing lost on r2
    for h, pk in got.items():
        check(pk and all(p[2] == 7 and p[4] for p in pk), "igmp: %s socket: TTL or payload wrong" % h)
    for s in ("s1", "s2"):
        src = ADDR[s]
        want = sent[s] // 2
        n = sum(1 for p in got["r2"] if p[0] == src and p[1] == GA)
        check(n >= want - 8, "igmp: r2 got %d of %d packets of (%s, %s)" % (n, want, src, GA))
    # leave: nothing of GA on r1's wire numbered beyond the LMQT mark
    late = [f for f in cap["r1"] if f["proto"] == 17 and f["dst"] == GA and f["seq"] >= after[
        "s1" if f["src"] == S1 else "s2"]]
    check(not late, "igmp: r1 still got %d packets of %s after leave + LMQT" % (len(late), GA))
    lastr1 = max((p[5] for p in got["r1"]), default=0)
    check(lastr1 <= t_leave + 0.1, "igmp: r1's socket got data after it left")
    check(not any(g["interface"] == rv("r1") for g in groups_after or []),
          "igmp: r1's group still there after the leave")
    check(sum(1 for f in cap["r2"] if f["proto"] == 17 and f["dst"] == GA and f["seq"] >= after["s1"]) > 100,
          "igmp: r2 stopped getting %s when r1 left" % GA)
    # data-driven creation: MFEs made by the first packets, then the fast path
    if mr and st and st0:
        by = {(m["source"], m["group"]): m for m in mr}
        for k, oifs in (((S1, GA), ["r1", "r2"]), ((S2, GA), ["r1", "r2"]), ((S1, GS), ["r2"])):
            m = by.get(k)
            if check(m is not None, "igmp: no MFE %s" % (k,)):
                check(m["iif"] == rv(k[0] == S1 and "s1" or "s2") and
                      sorted(o["name"] for o in m["oifs"] if o["enabled"]) == sorted(rv(o) for o in oifs),
                      "igmp: MFE %s: %s" % (k, m))
                check(m["packets"] > MIN_DELIVERED, "igmp: MFE %s counted %d packets" % (k, m["packets"]))
        m = by.get((S2, GS))
        check(m is None or not [o for o in m["oifs"] if o["enabled"]],
              "igmp: (%s, %s) has OIFs: %s" % (S2, GS, m))
        created = st["mfe_created"] - st0["mfe_created"]
        punted = st["miss_punted"] - st0["miss_punted"]
        fwd = st["fwd"] - st0["fwd"]
        say("  data-driven: %d MFEs created, %d packets punted as misses, %d on the fast path" %
            (created, punted, fwd))
        check(created >= 4 and punted <= 4 * 4 and fwd > 10 * punted,
              "igmp: creation: %d MFEs, %d misses punted, %d forwarded" % (created, punted, fwd))
        check(st["accounting_gap"] == 0, "igmp: counters do not add up")
    last = max((f["seq"] for f in cap["r1"] if f["proto"] == 17 and f["src"] == S1 and f["dst"] == GA), default=0)
    say("  leave: r1's last packet of %s came %.2f s after it left (s1 sends 300 packets/s); "
        "r2 got %d of %s after r1's LMQT" % (GA, (last - at_leave) / 300.0,
                                           sum(1 for p in got["r2"] if p[1] == GA and p[5] > t_leave + LMQT), GA))


def scenario_seed(d):
    """The seed's sequence under traffic: release of a static-only OIF,
    release of an OIF where IGMP also has a receiver (IGMP re-adds), then
    protocol shutdown static; the app stays up; every mbuf back."""
    say("seed: interface release (static only; with IGMP), protocol shutdown static, under traffic")
    cfg = iface_lines(igmp=["r1"]) + (
        "mroute from %s source %s group %s to %s %s %s\n" % (rv("s1"), S1, GS, rv("r1"), rv("r2"), rv("r3")) +
        "mroute from %s source %s group 232.2.2.2 to %s %s\n" % (rv("s2"), S2, rv("r2"), rv("r3")))
    caps = {h: Capture(d, h) for h in RECEIVERS}
    r = Mcfwd(d, cfg)
    rj = Receiver(d, "r1", [GJ])  # IGMP on r1: a receiver of GJ there; GS reaches r1 by the static route
    time.sleep(0.8)
    snd = {"s1": Sender(d, "s1", [(GS, 8), (GJ, 8)], 400), "s2": Sender(d, "s2", [("232.2.2.2", 8)], 200)}
    time.sleep(2.0)
    # 1. release r3: its receivers are static members only
    out = r.cmd("interface release %s\nshow port stats %d" % (rv("r3"), PORT["r3"]))
    mark1 = {h: s.progress() for h, s in snd.items()}
    tx1 = r.tx(out)
    check(re.search(r"interface %s released" % rv("r3"), out) is not None, "seed: release r3: %s" % out)
    time.sleep(1.5)
    tx1b = r.tx(r.cmd("show port stats %d" % PORT["r3"]))
    # 2. release r1: static's members go, IGMP's receiver of GJ is re-added
    out = r.cmd("interface release %s\nshow port stats all" % rv("r1"))
    mark2 = {h: s.progress() for h, s in snd.items()}
    time.sleep(2.0)
    mr2 = r.json("show ip mroute json")
    # 3. protocol shutdown static: static owns every interface
    out = r.cmd("protocol shutdown static\nshow port stats all")
    mark3 = {h: s.progress() for h, s in snd.items()}
    tx3 = r.tx(out)
    check(re.search(r"protocol static shut down", out) is not None, "seed: shutdown: %s" % out)
    time.sleep(1.5)
    tx3b = r.tx(r.cmd("show port stats all"))
    mr3 = r.json("show ip mroute json")
    alive = r.cmd("show protocols")
    sent = {h: s.stop() for h, s in snd.items()}
    time.sleep(0.3)
    txf = r.tx(r.cmd("show port stats all"))
    cap = {h: c.stop() for h, c in caps.items()}
    rj.stop()
    r.quit()
    for h in RECEIVERS:
        check_frames_sane(cap[h], "seed %s" % h)
    tx_matches_capture(txf, cap, "seed")

    def udp(h, grp=None, src=None, since=None):
        return [f for f in cap[h] if f["proto"] == 17 and (grp is None or f["dst"] == grp) and
                (src is None or f["src"] == src) and
                (since is None or f["seq"] >= since["s1" if f["src"] == S1 else "s2"])]

    for h in RECEIVERS:
        min_count(cap[h], S1, GS, "seed %s" % h)
    # 1: r3 quiet from the command's return: its TX counter and the sequence numbers
    p3 = PORT["r3"]
    check(tx1.get(p3, -1) == tx1b.get(p3, -2), "seed: r3's port sent %s packets after the release returned" %
          (tx1b.get(p3, 0) - tx1.get(p3, 0)))
    check(len(cap["r3"]) == tx1.get(p3), "seed: r3 captured %d frames, port TX at the return %s" %
          (len(cap["r3"]), tx1.get(p3)))
    check(not udp("r3", since=mark1), "seed: r3 got %d packets sent after the release returned" %
          len(udp("r3", since=mark1)))
    n_r2 = len(udp("r2", GS, since=mark1))
    check(n_r2 >= 300, "seed: r2 got only %d packets of %s after r3's release" % (n_r2, GS))
    # 2: r1 released: GS (static member) stops, GJ (IGMP member) comes back
    late = udp("r1", GS, since=mark2)
    check(not late, "seed: r1 got %d packets of %s sent after its release returned" % (len(late), GS))
    gj_after = sorted(f["seq"] for f in udp("r1", GJ, since=mark2))
    gj_before = [f["seq"] for f in udp("r1", GJ) if f["seq"] < mark2["s1"]]
    check(len(gj_before) >= MIN_DELIVERED / 2, "seed: r1 got only %d of %s before" % (len(gj_before), GJ))
    check(len(gj_after) >= 200, "seed: IGMP did not re-add r1 for %s: %d packets after" % (GJ, len(gj_after)))
    if gj_after and gj_before:
        gap = (min(gj_after) - max(gj_before)) // 2 - 1  # GJ is every other packet of s1
        say("  r1 after its release: %s stopped; %s resumed (IGMP re-add), %d packets of it lost in the gap"
            % (GS, GJ, gap))
    by2 = {(m["source"], m["group"]): m for m in mr2 or []}
    m = by2.get((S1, GS))
    check(m is not None and sorted(o["name"] for o in m["oifs"] if o["enabled"]) == [rv("r2")],
          "seed: (S1,GS) after both releases: %s" % m)
    m = by2.get((S1, GJ))
    check(m is not None and [o["name"] for o in m["oifs"] if o["enabled"]] == [rv("r1")],
          "seed: (S1,GJ) after r1's release: %s" % m)
    # 3: shutdown: zero forwarded anywhere after the return
    for h in ("r2", "r3"):
        check(tx3.get(PORT[h]) == tx3b.get(PORT[h]), "seed: port %d sent %s after the shutdown returned" %
              (PORT[h], tx3b.get(PORT[h], 0) - tx3.get(PORT[h], 0)))
    igmp_r1 = sum(1 for f in cap["r1"] if f["proto"] == 2)
    check(txf.get(PORT["r1"]) == len(udp("r1")) + igmp_r1, "seed: r1's port TX is not its UDP + queries")
    for h in RECEIVERS:
        late = udp(h, since=mark3)
        check(not late, "seed: %s got %d packets sent after the shutdown returned" % (h, len(late)))
    fwd3 = [m for m in mr3 or [] if [o for o in m["oifs"] if o["enabled"]] and not m.get("negative")]
    check(not fwd3, "seed: MFEs still forwarding after the shutdown: %s" % fwd3)
    check(re.search(r"static\s+down", alive) is not None, "seed: app not answering or static not down")
    check(sent["s1"] > mark3["s1"] + 400, "seed: the sender stopped early")
    say("  delivered: " + ", ".join("%s %d" % (h, len(udp(h))) for h in RECEIVERS) +
        "; TX at shutdown %s, 1.5 s later %s" % (tx3, tx3b))


# ------------------------------------------------------------------ the kernel as reference

# Flows: (source host, group, TTL). The common configuration below routes
# some; the rest must not be forwarded (wrong incoming interface, TTL 1,
# link-local, no route, TTL not above a threshold).
DIFF_FLOWS = {
    "s1": [(GS, 8), (GS, 32), (GA, 8), (GA, 64), (GS, 1), ("224.0.0.99", 8),
           ("232.2.2.2", 8), ("232.9.9.9", 8), ("232.3.3.3", 2)],
    "s2": [("232.2.2.2", 8), ("232.2.2.2", 17), (GA, 8), (GS, 8), ("232.2.2.2", 1)],
}


def common_conf():
    """smcroute syntax, read by smcrouted and (included) by mcfwd."""
    s1, s2, r1, r2, r3 = (rv(h) for h in HOSTS)
    return """# common to smcrouted and mcfwd (scripts: tests/e2e/netns_e2e.py)
phyint {r3} enable ttl-threshold 16
mroute from {s1} source {S1} group {GS} to {r1} {r2} {r3}
mroute from {s1} group {GA} to {r1} {r3}
mroute from {s2} source {S2} group 232.2.2.2 to {r2} {r3}
mroute from {s2} source {S2} group {GS} to {r1}
mroute from {s1} source {S1} group 232.3.3.3 to {r1}
""".format(s1=s1, s2=s2, r1=r1, r2=r2, r3=r3, S1=S1, S2=S2, GS=GS, GA=GA)


def expected_diff():
    """What a multicast router must deliver: (receiver, source, group, TTL) per flow."""
    routes = {("s1", GS): ["r1", "r2", "r3"], ("s1", GA): ["r1", "r3"], ("s2", "232.2.2.2"): ["r2", "r3"],
              ("s2", GS): ["r1"], ("s1", "232.3.3.3"): ["r1"]}
    thr = {"r3": 16}
    exp = set()
    for s, flows in DIFF_FLOWS.items():
        for g, ttl in flows:
            for o in routes.get((s, g), []):
                if ttl > thr.get(o, 1):
                    exp.add((o, ADDR[s], g, ttl - 1))
    return exp


def diff_traffic(d, label):
    """Priming (the kernel queues only a few packets of an unresolved flow),
    then the measured phase; returns the multiset of the measured phase."""
    caps = {h: Capture(d, h) for h in RECEIVERS}
    prime = [Sender(d, h, DIFF_FLOWS[h], 200, count=3 * len(DIFF_FLOWS[h])) for h in ("s1", "s2")]
    for s in prime:
        s.wait()
    time.sleep(1.5)
    n = {"s1": 1800, "s2": 1000}
    meas = [Sender(d, h, DIFF_FLOWS[h], 450 if h == "s1" else 250, count=n[h], seq0=100000) for h in ("s1", "s2")]
    sent = [s.wait() for s in meas]
    check(sent == [n["s1"], n["s2"]], "%s: senders sent %s" % (label, sent))
    time.sleep(0.5)
    cap = {h: c.stop() for h, c in caps.items()}
    for h in RECEIVERS:
        check_frames_sane(cap[h], "%s %s" % (label, h))
    ms = Counter()
    for h in RECEIVERS:
        for f in cap[h]:
            if f["proto"] == 17 and f["seq"] >= 100000:
                ms[(h, f["src"], f["dst"], f["ttl"])] += 1
    return ms, cap


def scenario_kernel_diff(d):
    """The same topology, configuration file and traffic: Linux ipmr (by
    smcrouted) and mcfwd must deliver the same multiset."""
    say("kernel diff: ipmr + smcrouted vs mcfwd, same config file, same traffic")
    common = os.path.join(d, "common.conf")
    with open(common, "w") as f:
        f.write(common_conf())
    # the kernel: router addresses on, smcrouted in the router namespace
    subprocess.run(["bash", TOPO, "router-addr", SFX, "on"], check=True)
    sock, pid = os.path.join(d, "smcroute.sock"), os.path.join(d, "smcroute.pid")
    sm = spawn(in_ns("rt", ["smcrouted", "-n", "-f", common, "-u", sock, "-P", pid, "-i", "mc" + SFX,
                            "-l", "notice"]), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for _ in range(50):
        if subprocess.run(in_ns("rt", ["smcroutectl", "-u", sock, "show", "interfaces"]),
                          capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    time.sleep(0.5)
    kms, kcap = diff_traffic(d, "kernel")
    routes = subprocess.run(in_ns("rt", ["smcroutectl", "-u", sock, "-p", "show", "routes"]),
                            capture_output=True, text=True).stdout
    stop(sm)
    smlog = sm.stdout.read()
    subprocess.run(["bash", TOPO, "router-addr", SFX, "off"], check=True)
    check(sm.returncode == 0, "smcrouted exit status %s:\n%s" % (sm.returncode, smlog[-800:]))
    # mcfwd: its own interface lines, then the common file; IGMP off
    r = Mcfwd(d, iface_lines() + "include %s\n" % common)
    mms, mcap = diff_traffic(d, "mcfwd")
    st = r.json("show stats json")
    tx = r.tx(r.cmd("show port stats all"))
    r.quit()
    tx_matches_capture(tx, mcap, "kernel_diff mcfwd")
    exp = expected_diff()
    for label, ms in (("kernel", kms), ("mcfwd", mms)):
        n_recv = {h for (h, _, _, _) in ms if sum(v for k, v in ms.items() if k[0] == h) >= MIN_DELIVERED}
        check(len(n_recv) >= 2, "%s: fewer than 2 receivers got %d packets: %s" % (label, MIN_DELIVERED, ms))
        check(set(ms) == exp, "%s: delivered flows differ from the expected ones:\n    extra %s\n    missing %s"
              % (label, sorted(set(ms) - exp), sorted(exp - set(ms))))
    say("  kernel: %d packets, mcfwd: %d packets in %d (receiver, source, group, TTL) classes" %
        (sum(kms.values()), sum(mms.values()), len(mms)))
    if not check(kms == mms, "kernel_diff: the kernel and mcfwd delivered different multisets"):
        for k in sorted(set(kms) | set(mms)):
            if kms[k] != mms[k]:
                say("    %-60s kernel %5d  mcfwd %5d" % (k, kms[k], mms[k]))
        say("  smcroute routes:\n" + routes)
    if st:
        say("  mcfwd: wrong_if %d, ttl_expired %d, ctrl_punted %d, ttl_low %d, negative %d" %
            (st["wrong_if"], st["ttl_expired"], st["ctrl_punted"], st["ttl_low"], st["negative"]))
        check(st["wrong_if"] > 0 and st["ttl_expired"] > 0 and st["ctrl_punted"] > 0 and st["ttl_low"] > 0,
              "kernel_diff: mcfwd did not see every kind of refused flow: %s" % st)


def scenario_live(d):
    """scripts/demo.sh --live: the same topology narrated for a person."""
    def show(r, c):
        say("\nmcfwd> " + c)
        say(r.cmd(c))

    def rates(r, secs, what):
        say("\n%s: packets mcfwd sent to each receiver, per second" % what)
        say("   t   " + "".join("%10s" % h for h in RECEIVERS))
        prev = r.tx(r.cmd("show port stats all"))
        for t in range(secs):
            time.sleep(1.0)
            cur = r.tx(r.cmd("show port stats all"))
            say("%4d s " % (t + 1) + "".join("%10d" % (cur[PORT[h]] - prev[PORT[h]]) for h in RECEIVERS))
            prev = cur

    say("Topology: namespaces %s (router), %s; veth pairs, mcfwd on net_af_packet ports" %
        (RT, ", ".join(ns(h) for h in HOSTS)))
    cfg = iface_lines(igmp=RECEIVERS) + "phyint %s enable\nmroute from %s source %s group %s to %s\n" % (
        rv("s1"), rv("s2"), S2, GS, rv("r3"))
    say("\nmcfwd configuration:\n" + cfg)
    r = Mcfwd(d, cfg)
    say("Receivers join with ordinary sockets: r1 joins %s; r2 joins %s and (%s, %s) (SSM);"
        " r3 joins nothing (a static route sends it (%s, %s))" % (GA, GA, S1, GS, S2, GS))
    rc = {"r1": Receiver(d, "r1", [GA]), "r2": Receiver(d, "r2", [GA, "%s@%s" % (GS, S1)])}
    time.sleep(1.0)
    show(r, "show ip igmp groups")
    say("\nSenders: s1 and s2 send to %s and %s, TTL 8, 200 packets a second each" % (GA, GS))
    snd = [Sender(d, "s1", [(GA, 8), (GS, 8)], 200), Sender(d, "s2", [(GA, 8), (GS, 8)], 200)]
    rates(r, 3, "forwarding")
    show(r, "show ip mroute")
    say("\nr1 leaves %s (its socket drops the membership: an IGMPv3 TO_IN({}) report);"
        " the router queries twice, 1 s apart, then stops forwarding to r1" % GA)
    rc["r1"].leave()
    rates(r, 4, "after r1's leave")
    say("\nThe seed's sequence: protocol shutdown static (every interface released, entries purged)")
    show(r, "protocol shutdown static")
    rates(r, 3, "after the shutdown")
    show(r, "show ip mroute")
    show(r, "show stats")
    for s in snd:
        s.stop()
    got = {h: x.stop() for h, x in rc.items()}
    say("\nWhat the receivers' sockets got: " + ", ".join(
        "%s %d packets (TTL %s)" % (h, len(v), sorted({p[2] for p in v})) for h, v in got.items()))
    out = r.quit()
    say("\n" + "\n".join(l for l in out.splitlines() if "mbufs back" in l or "accounting" in l))


SCENARIOS = {"igmp": scenario_igmp, "seed": scenario_seed, "kernel_diff": scenario_kernel_diff}


def main():
    global MCFWD, LIVE
    if os.geteuid() != 0:
        print("SKIP: netns e2e needs root (network namespaces, veth pairs, af_packet)")
        return 77
    for tool in ("ip", "tcpdump", "ethtool", "smcrouted", "smcroutectl", "sysctl"):
        if shutil.which(tool) is None:
            print("FAIL: %s not installed (scripts/setup.sh installs it)" % tool)
            return 1
    MCFWD = os.path.abspath(sys.argv[1])
    args = sys.argv[2:]
    LIVE = "--live" in args
    names = ["live"] if LIVE else args or list(SCENARIOS)
    if "--skip" in args:  # e.g. the sanitizer build (af_packet is slow there)
        print("SKIP: %s" % args[args.index("--skip") + 1])
        return 77

    def on_signal(sig, _):
        raise SystemExit("signal %d" % sig)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    d = tempfile.mkdtemp(prefix="mcfwd-netns-")
    t0 = time.time()
    try:
        sweep_stale()
        subprocess.run(["bash", TOPO, "down", SFX], check=False)
        subprocess.run(["bash", TOPO, "up", SFX], check=True)
        for n in names:
            t = time.time()
            (scenario_live if n == "live" else SCENARIOS[n])(d)
            say("  (%.1f s)" % (time.time() - t))
    finally:
        cleanup()
        if not FAILS:
            shutil.rmtree(d, ignore_errors=True)
        else:
            say("files kept in " + d)
    say("netns e2e: %.1f s" % (time.time() - t0))
    if FAILS:
        say("%d check(s) failed" % len(FAILS))
        return 1
    say("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
