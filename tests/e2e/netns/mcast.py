#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Host-side traffic for the netns end-to-end tests, run inside a host
namespace (`ip netns exec NS mcast.py ...`). Ordinary sockets only: what
the Linux host kernel does with them (IGMPv3 reports, TTL, checksums) is
what a real client would do.

  mcast.py send --src A --flows G:TTL[,G:TTL...] --rate PPS [--count N]
                [--seq0 N] [--progress FILE]
      UDP to port 6000, flows round robin, at most PPS packets a second in
      all, until N packets or SIGTERM. Each payload carries a sequence
      number (global to the sender, from --seq0), the flow's index and the
      TTL it was sent with, then a pattern that depends on the sequence
      number. --progress: the next sequence number is written there after
      every packet (the test reads it after a CLI command returns: a packet
      with a higher number was sent after the command returned).
      Prints "sent N" at the end.

  mcast.py recv --join G[@S][,G[@S]...] --out FILE
      One UDP socket on port 6000 joined to every group (IP_ADD_MEMBERSHIP,
      or IP_ADD_SOURCE_MEMBERSHIP for G@S: an SSM join). Prints "joined"
      when the memberships are in place. SIGUSR1 leaves every group (prints
      "left T" with the wall-clock time); SIGTERM writes FILE (JSON: one
      [source, group, ttl, seq, payload_ok, time] per datagram) and exits.
"""
import json
import os
import signal
import socket
import struct
import sys
import time

PORT = 6000
PAYLOAD = 100
IP_RECVTTL = 12  # the option; the control message comes back as IP_TTL
IP_TTL = 2
IP_PKTINFO = 8
IP_ADD_SOURCE_MEMBERSHIP = 39
IP_DROP_SOURCE_MEMBERSHIP = 40


def payload(seq, flow, ttl):
    head = b"MC" + struct.pack("!IBB", seq, flow, ttl)
    return head + bytes((i * 7 + seq) & 0xFF for i in range(PAYLOAD - len(head)))


def parse(data):
    """(seq, flow, ttl_sent, intact) of a payload, or None."""
    if len(data) != PAYLOAD or data[:2] != b"MC":
        return None
    seq, flow, ttl = struct.unpack("!IBB", data[2:8])
    return seq, flow, ttl, data == payload(seq, flow, ttl)


def arg(name, default=None):
    a = sys.argv
    if name in a:
        return a[a.index(name) + 1]
    if default is None:
        sys.exit("mcast.py: %s is required" % name)
    return default


def send():
    src = arg("--src")
    flows = []
    for f in arg("--flows").split(","):
        g, t = f.split(":")
        flows.append((g, int(t)))
    rate = float(arg("--rate"))
    count = int(arg("--count", "0"))
    # a limit of its own: a test killed before it could stop us
    end = time.monotonic() + float(arg("--max-seconds", "600"))
    seq = int(arg("--seq0", "0"))
    prog = arg("--progress", "")
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(src))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    s.bind((src, 0))
    pf = os.open(prog, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644) if prog else -1
    n = 0
    t0 = time.monotonic()
    while not stop and (count == 0 or n < count) and time.monotonic() < end:
        g, ttl = flows[n % len(flows)]
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
        s.sendto(payload(seq, n % len(flows), ttl), (g, PORT))
        seq += 1
        n += 1
        if pf >= 0:
            os.pwrite(pf, b"%-12d\n" % seq, 0)
        delay = t0 + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print("sent %d" % n, flush=True)


def recv():
    out = arg("--out")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
    s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
    s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    s.bind(("0.0.0.0", PORT))
    joins = []
    for j in arg("--join").split(","):
        g, _, src = j.partition("@")
        if src:  # struct ip_mreq_source: group, interface, source
            m = socket.inet_aton(g) + socket.inet_aton("0.0.0.0") + socket.inet_aton(src)
            joins.append((IP_ADD_SOURCE_MEMBERSHIP, IP_DROP_SOURCE_MEMBERSHIP, m))
        else:    # struct ip_mreqn: group, address, ifindex 0 (the route's)
            m = socket.inet_aton(g) + socket.inet_aton("0.0.0.0")
            joins.append((socket.IP_ADD_MEMBERSHIP, socket.IP_DROP_MEMBERSHIP, m))
    for add, _, m in joins:
        s.setsockopt(socket.IPPROTO_IP, add, m)
    print("joined", flush=True)
    got = []
    state = {"stop": False, "leave": False}
    signal.signal(signal.SIGTERM, lambda *a: state.update(stop=True))
    signal.signal(signal.SIGUSR1, lambda *a: state.update(leave=True))
    s.settimeout(0.05)
    end = time.monotonic() + float(arg("--max-seconds", "600"))  # see send()
    while not state["stop"] and time.monotonic() < end:
        if state["leave"]:
            for _, drop, m in joins:
                s.setsockopt(socket.IPPROTO_IP, drop, m)
            joins = []
            state["leave"] = False
            print("left %.6f" % time.time(), flush=True)
        try:
            data, anc, _, addr = s.recvmsg(2048, 256)
        except (socket.timeout, InterruptedError):
            continue
        ttl, dst = -1, "?"
        for lvl, typ, d in anc:
            if lvl == socket.IPPROTO_IP and typ == IP_TTL:
                ttl = struct.unpack("i", d[:4])[0]
            elif lvl == socket.IPPROTO_IP and typ == IP_PKTINFO:
                dst = socket.inet_ntoa(d[8:12])  # ipi_addr: the destination
        p = parse(data)
        got.append([addr[0], dst, ttl, p[0] if p else -1, bool(p and p[3]), time.time()])
    with open(out, "w") as f:
        json.dump(got, f)


if __name__ == "__main__":
    {"send": send, "recv": recv}[sys.argv[1]]()
