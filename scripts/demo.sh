#!/usr/bin/env bash
# The demo (README quick start): mcfwd forwarding a generated multicast
# trace on virtual devices, driven by a scripted CLI session.
#
#   two input ports (net_pcap, the trace replayed forever) -> mcfwd ->
#   four output ports (net_null); one worker lcore, the control thread on
#   the other. The session shows the interfaces and the static routes, the
#   (S,G) entries created from the first packets with their counters, then
#   releases an interface under traffic (its counters stop at once), shuts
#   the static protocol down (the seed's sequence: every entry purged) and
#   quits cleanly (every mbuf back in its pool).
#
# scripts/demo.sh --cache-bench   the forwarding cache's benchmark subset instead
# scripts/demo.sh --live          (root) real Linux hosts in network namespaces:
#                                 receivers join with sockets, counters grow, a
#                                 leave, the shutdown sequence, receivers go quiet
set -euo pipefail
cd "$(dirname "$0")/.."
# MCFWD_DEMO_BIN: run that binary as it is, without installing or building
# (the test suite's check of this demo, tests/e2e/demo_check.py)
mcfwd=${MCFWD_DEMO_BIN:-build/control/mcfwd}
if [ -z "${MCFWD_DEMO_BIN:-}" ]; then
	bash scripts/setup.sh >/dev/null
	[ -f build/build.ninja ] || meson setup build -Dbuildtype=release >/dev/null
	ninja -C build >/dev/null
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "${1:-}" = "--cache-bench" ]; then
	export MCFWD_BENCH_MAX_ENTRIES=$((1 << 20))
	./build/bench/bench_mfc \
		--benchmark_filter='LookupBulk/.*entries:(65536|1048576)$|BM_PurgeMfc/kind:[01]/.*thp:1|BM_PurgeBaseline|BM_GracePeriod' \
		--benchmark_out_format=json --benchmark_out="$tmp/demo.json"
	/usr/bin/python3 bench/report.py "$tmp/demo.json" "$tmp" >"$tmp/report.txt"
	cat "$tmp/report.txt"
	exit 0
fi

if [ "${1:-}" = "--live" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "demo --live needs root (network namespaces, veth pairs); try: sudo $0 --live" >&2
		exit 1
	fi
	# two sources, three receivers, each a namespace on a veth pair to the
	# router namespace where mcfwd runs (scripts/netns-topo.sh); all removed after
	exec /usr/bin/python3 tests/e2e/netns_e2e.py "$mcfwd" --live
fi

/usr/bin/python3 scripts/gen_trace.py demo "$tmp"

cat >"$tmp/demo.conf" <<'EOF'
# Interfaces: DPDK ports 0..5 under names an operator chooses.
iface up0 port 0 address 10.0.0.254/24
iface up1 port 1 address 10.1.0.254/24
iface rx2 port 2 address 192.168.2.1/24
iface rx3 port 3 address 192.168.3.1/24
iface rx4 port 4 address 192.168.4.1/24
iface rx5 port 5 address 192.168.5.1/24 mtu 1500
phyint rx5 enable ttl-threshold 4

# smcroute syntax: (S,G) routes and a (*,G) template
mroute from up0 source 10.0.0.1 group 232.1.1.1 to rx2
mroute from up0 source 10.0.0.1 group 232.1.1.2 to rx2 rx3
mroute from up0 group 232.1.1.3 to rx2 rx3 rx4
mroute from up0 source 10.0.0.1 group 232.1.1.4 to rx2 rx3 rx4 rx5
mroute from up1 source 10.1.0.7 group 232.1.1.5 to rx4 up0
EOF

cat >"$tmp/demo.cli" <<'EOF'
show version
show interfaces
show protocols
sleep 1500
show ip mroute
show ip mroute 10.0.0.1 232.1.1.1
show stats
show port stats 3
interface release rx3
show port stats 3
sleep 1000
show port stats 3
show ip mroute
protocol shutdown static
show ip mroute count
sleep 500
show ip mroute
quit
EOF

echo "================ mcfwd demo: config ================"
grep -v '^#' "$tmp/demo.conf" | sed '/^$/d'
echo
echo "================ mcfwd demo: CLI session ================"
"$mcfwd" --lcores "$(python3 scripts/lcores.py 0,1)" --no-huge -m 1024 --no-pci --file-prefix "mcfwd-demo-$$" \
	--log-level lib.eal:error --log-level lib.telemetry:error --log-level pmd.net.pcap:error \
	--vdev "net_pcap0,rx_pcap=$tmp/in0.pcap,infinite_rx=1" \
	--vdev "net_pcap1,rx_pcap=$tmp/in1.pcap,infinite_rx=1" \
	--vdev net_null2,no-rx=1 --vdev net_null3,no-rx=1 \
	--vdev net_null4,no-rx=1 --vdev net_null5,no-rx=1 \
	-- --config "$tmp/demo.conf" --cmdline-file "$tmp/demo.cli" --no-cli --mbufs 32768
rm -rf "/var/run/dpdk/mcfwd-demo-$$" 2>/dev/null || true
echo
echo "What it showed: entries created from the first packets of each flow, the"
echo "wrong-interface and TTL-1 packets counted and dropped, port 3 (rx3) sending"
echo "nothing once 'interface release rx3' returned while the others went on,"
echo "and no entry forwarding after 'protocol shutdown static'."
