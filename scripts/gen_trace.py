#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write multicast traces (pcap) for the demo and benchmarks.

gen_trace.py demo DIR      -> DIR/in0.pcap, DIR/in1.pcap: several sources and
                              groups (fan-out 1-4 by the demo config), a flow
                              arriving on the wrong interface, TTL 1, a
                              link-local group and an IGMPv3 report.
gen_trace.py flows OUT N SIZE
                           -> OUT: N (S,G) flows of SIZE-byte IP packets
                              (sources 10.0.x.y, groups 232.1.x.y).
"""
import sys

from scapy.all import Ether, IP, UDP, Raw, wrpcap
from scapy.config import conf
from scapy.contrib.igmpv3 import IGMPv3, IGMPv3mr, IGMPv3gr

conf.verb = 0


def mac_of(grp):
    o = [int(x) for x in grp.split(".")]
    return "01:00:5e:%02x:%02x:%02x" % (o[1] & 0x7F, o[2], o[3])


def udp(src, grp, ttl=32, size=100, seq=0):
    head = b"SEQ%08d" % seq
    fill = bytes(i & 0xFF for i in range(max(0, size - 28 - len(head))))
    return Ether(src="02:00:00:00:00:%02x" % (seq & 0xFF), dst=mac_of(grp)) / \
        IP(src=src, dst=grp, ttl=ttl) / UDP(sport=5001, dport=5001) / Raw(head + fill)


def demo(d):
    p0, p1 = [], []
    for i in range(16):
        p0.append(udp("10.0.0.1", "232.1.1.1", seq=i))      # fan-out 1
        p0.append(udp("10.0.0.1", "232.1.1.2", seq=i))      # fan-out 2
        p0.append(udp("10.0.0.2", "232.1.1.3", seq=i))      # fan-out 3 ((*,G) template)
        p0.append(udp("10.0.0.3", "232.1.1.3", seq=i))
        p0.append(udp("10.0.0.1", "232.1.1.4", size=1400, seq=i))  # fan-out 4
        p1.append(udp("10.0.0.1", "232.1.1.1", seq=i))      # wrong incoming interface
        p1.append(udp("10.1.0.7", "232.1.1.5", seq=i))      # fan-out 2 from the other side
    p0.append(udp("10.0.0.1", "232.1.1.1", ttl=1))          # TTL 1: not forwarded
    p0.append(udp("10.0.0.1", "224.0.0.251", ttl=255))      # link-local: control only
    rep = Ether(src="02:00:00:00:00:77", dst="01:00:5e:00:00:16") / \
        IP(src="10.0.0.50", dst="224.0.0.22", ttl=1, options=[b"\x94\x04\x00\x00"]) / \
        IGMPv3(type=0x22) / IGMPv3mr(records=[IGMPv3gr(rtype=4, maddr="232.1.1.9")])
    p1.append(rep)                                           # an IGMPv3 report
    wrpcap(d + "/in0.pcap", p0)
    wrpcap(d + "/in1.pcap", p1)


def flows(out, n, size):
    pk = []
    for i in range(n):
        src = "10.0.%d.%d" % ((i >> 8) & 0xFF, (i & 0xFF) or 1)
        grp = "232.1.%d.%d" % ((i >> 8) & 0xFF, i & 0xFF)
        pk.append(udp(src, grp, size=size, seq=i))
    wrpcap(out, pk)


if __name__ == "__main__":
    if sys.argv[1] == "demo":
        demo(sys.argv[2])
    elif sys.argv[1] == "flows":
        flows(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit("usage: gen_trace.py demo DIR | flows OUT N SIZE")
