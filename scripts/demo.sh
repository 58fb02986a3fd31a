#!/usr/bin/env bash
# The demo (README quick start). Until the forwarding application lands it
# shows what exists: the RCU-protected (S,G) forwarding cache, measured
# against DPDK rte_hash and liburcu cds_lfht on this machine: burst
# lookups at 64K and 1M entries, the bulk purge of an interface used by 1M
# entries, and the grace period with a busy reader.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
[ -f build/build.ninja ] || meson setup build -Dbuildtype=release
ninja -C build

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export MCFWD_BENCH_MAX_ENTRIES=$((1 << 20))
./build/bench/bench_mfc \
	--benchmark_filter='LookupBulk/.*entries:(65536|1048576)$|BM_PurgeMfc/kind:[01]/.*thp:1|BM_PurgeBaseline|BM_GracePeriod' \
	--benchmark_out_format=json --benchmark_out="$tmp/demo.json"
echo
echo "================ mcfwd forwarding cache: what this machine measured ================"
/usr/bin/python3 bench/report.py "$tmp/demo.json" "$tmp" >"$tmp/report.txt"
cat "$tmp/report.txt"
