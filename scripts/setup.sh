#!/usr/bin/env bash
# Install everything the build, tests, demo and benchmarks need on Debian 12.
# Idempotent: skips apt when every package is already installed.
set -euo pipefail

PKGS=(
  build-essential pkg-config meson ninja-build python3
  libdpdk-dev dpdk
  liburcu-dev
  libbenchmark-dev
  libcmocka-dev
  clang libclang-rt-14-dev
  python3-matplotlib
  libnuma-dev libpcap-dev
  libsystemd-dev                    # mcfwd links DPDK statically, every driver (net_sdk...: -lsystemd)
  python3-scapy tcpdump
  dpdk-dev dpdk-doc linux-perf   # bench-app.sh: dpdk-testpmd, examples/ipv4_multicast, perf
  smcroute iproute2 ethtool         # netns e2e: the kernel's multicast router (smcrouted), hosts, veth offloads
  iperf                             # multicast traffic for tries by hand (iperf -u -B GROUP); no test needs it
  procps                            # netns e2e: sysctl in the namespaces (not in minimal images)
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  # a fresh VM: apt-daily may hold the locks for a while (the lock
  # timeout does not cover the lists' lock of 'update'), a mirror may
  # fail once; an install cut short earlier must be finished first
  apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
  $SUDO env DEBIAN_FRONTEND=noninteractive dpkg --configure -a || true
  for try in 1 2 3 4 5; do
    if $SUDO "${apt[@]}" update -qq &&
       $SUDO "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}"; then
      break
    fi
    if [ "$try" -eq 5 ]; then
      echo "setup: apt-get failed 5 times" >&2
      exit 1
    fi
    echo "setup: apt-get failed (try $try of 5): again in 20 s" >&2
    sleep 20
  done
  # smcroute's package starts a daemon on the host's multicast routing
  # table; the tests run their own in a namespace
  if printf '%s\n' "${missing[@]}" | grep -qx smcroute && command -v systemctl >/dev/null; then
    $SUDO systemctl disable --now smcroute >/dev/null 2>&1 || true
  fi
else
  echo "setup: all packages present"
fi

# Hugepages: reserve some 2 MiB pages when we can; tests still run with --no-huge.
if [ -w /proc/sys/vm/nr_hugepages ] 2>/dev/null; then
  cur=$(cat /proc/sys/vm/nr_hugepages)
  if [ "$cur" -lt 512 ]; then
    echo 512 > /proc/sys/vm/nr_hugepages 2>/dev/null || true
  fi
  if ! mount | grep -q hugetlbfs; then
    mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || true
  fi
  echo "setup: hugepages: $(cat /proc/sys/vm/nr_hugepages) x 2 MiB"
fi
