#!/usr/bin/env bash
# The end-to-end topology: two sources and three receivers, each a network
# namespace joined by a veth pair to a router namespace, where mcfwd
# (net_af_packet on the router-side ends) or the kernel (ipmr + smcrouted)
# forwards between them. Only these namespaces, veths and addresses are
# created, touched or deleted; every name carries the run's suffix.
#
#   netns-topo.sh up SFX             create (fails if any name exists)
#   netns-topo.sh down SFX           delete; idempotent, safe after a failed run
#   netns-topo.sh router-addr SFX on|off   the router-side addresses (kernel mode)
#   netns-topo.sh names SFX          print the names as shell assignments
#
# SFX: 1..6 characters [a-z0-9] (interface names stay within 15 characters).
#
#   host  namespace    host veth   router veth   host address   router address
#   s1    mcs1-SFX     hs1SFX      rs1SFX        10.0.1.1/24    10.0.1.254
#   s2    mcs2-SFX     hs2SFX      rs2SFX        10.0.2.1/24    10.0.2.254
#   r1    mcr1-SFX     hr1SFX      rr1SFX        10.1.1.1/24    10.1.1.254
#   r2    mcr2-SFX     hr2SFX      rr2SFX        10.1.2.1/24    10.1.2.254
#   r3    mcr3-SFX     hr3SFX      rr3SFX        10.1.3.1/24    10.1.3.254
#   router namespace: mcrt-SFX
#
# Hosts: default route via the router address, rp_filter 0, IPv6 off (no
# MLD/ND noise on the links), TX checksum offload off on the host end
# (kernel UDP on veth carries partial checksums, which a DPDK port would
# forward as they are).
set -euo pipefail

HOSTS=(s1 s2 r1 r2 r3)
declare -A NET=([s1]=10.0.1 [s2]=10.0.2 [r1]=10.1.1 [r2]=10.1.2 [r3]=10.1.3)

usage() { sed -n '2,24p' "$0" >&2; exit 2; }

cmd=${1:-}
sfx=${2:-}
[[ "$sfx" =~ ^[a-z0-9]{1,6}$ ]] || usage
RT="mcrt-$sfx"

ns_sysctl() { # ns, key=value...
	local ns=$1; shift
	for kv in "$@"; do ip netns exec "$ns" sysctl -qw "$kv" >/dev/null; done
}

up() {
	ip netns add "$RT"
	ip -n "$RT" link set lo up
	ns_sysctl "$RT" net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	for h in "${HOSTS[@]}"; do
		local ns="mc$h-$sfx" hv="h$h$sfx" rv="r$h$sfx" net=${NET[$h]}
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		ns_sysctl "$ns" net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
			net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
		# created inside the host namespace, the router end moved out: no
		# interface ever appears in the namespace this script runs in
		ip -n "$ns" link add "$hv" type veth peer name "$rv" netns "$RT"
		ns_sysctl "$ns" "net.ipv4.conf.$hv.rp_filter=0"
		ip -n "$ns" addr add "$net.1/24" dev "$hv"
		ip -n "$ns" link set "$hv" up
		ip netns exec "$ns" ethtool -K "$hv" tx off >/dev/null
		ip -n "$ns" route add default via "$net.254" dev "$hv"
		ns_sysctl "$RT" "net.ipv4.conf.$rv.rp_filter=0"
		ip -n "$RT" link set "$rv" up
	done
}

down() {
	local h
	for h in "${HOSTS[@]}"; do
		ip netns del "mc$h-$sfx" 2>/dev/null || true
	done
	ip netns del "$RT" 2>/dev/null || true
	# a veth left behind by an interrupted 'up' (namespace deletion removes
	# the others); only our own names
	for h in "${HOSTS[@]}"; do
		ip link del "h$h$sfx" 2>/dev/null || true
		ip link del "r$h$sfx" 2>/dev/null || true
	done
}

router_addr() { # on|off
	for h in "${HOSTS[@]}"; do
		if [ "$1" = on ]; then
			ip -n "$RT" addr replace "${NET[$h]}.254/24" dev "r$h$sfx"
		else
			ip -n "$RT" addr flush dev "r$h$sfx"
		fi
	done
}

names() {
	echo "RT=$RT"
	for h in "${HOSTS[@]}"; do
		echo "NS_$h=mc$h-$sfx HV_$h=h$h$sfx RV_$h=r$h$sfx NET_$h=${NET[$h]}"
	done
}

case "$cmd" in
up) up ;;
down) down ;;
router-addr) [[ "${3:-}" =~ ^(on|off)$ ]] || usage; router_addr "$3" ;;
names) names ;;
*) usage ;;
esac
