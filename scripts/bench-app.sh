#!/usr/bin/env bash
# Whole-application benchmarks: mcfwd against DPDK's examples/ipv4_multicast
# (the peer, built here from Debian's dpdk-doc on a patched private copy) and
# dpdk-testpmd io (the ceiling), the 1M-flow case in process (bench_worker),
# and mcfwd's teardown under load. Writes bench/results/app.md, app_*.png,
# app_bench.json and the README section between the bench:app markers.
#   bash scripts/bench-app.sh           # full: 3 repetitions, ~15 minutes
#   QUICK=1 bash scripts/bench-app.sh   # 64/1500 B, 1 and 1K flows, fan-out 1/4, 1 repetition
# Needs root (DPDK runtime dirs, perf). The work dir build-app-bench/ (traces,
# the peer's sources and binaries, logs) is not committed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
[ -f build/build.ninja ] || meson setup build -Dbuildtype=release >/dev/null
ninja -C build >/dev/null

out=bench/results
work=build-app-bench
mkdir -p "$out" "$work"
args=(--reps "${REPS:-3}")
[ -n "${QUICK:-}" ] && args+=(--quick)
machine="$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), DPDK $(pkg-config --modversion libdpdk)"
/usr/bin/python3 bench/app_bench.py --work "$work" --out "$out" --mcfwd build/control/mcfwd \
	--bench-worker build/bench/bench_worker "${args[@]}"
/usr/bin/python3 bench/report_app.py "$out/app_bench.json" "$out" --readme README.md --machine "$machine"
