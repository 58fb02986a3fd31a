#!/usr/bin/env bash
# Run the forwarding-cache and worker benchmarks and regenerate bench/results/ (tables
# and plots) and the README's benchmark section from what they print.
#   bash scripts/bench-report.sh            # full: 1K..16M entries, 3 repetitions
#   QUICK=1 bash scripts/bench-report.sh    # up to 1M entries, 1 repetition
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
[ -f build/build.ninja ] || meson setup build -Dbuildtype=release >/dev/null
ninja -C build >/dev/null

out=bench/results
mkdir -p "$out"
reps=${REPS:-3}
if [ -n "${QUICK:-}" ]; then
	export MCFWD_BENCH_MAX_ENTRIES=$((1 << 20))
	reps=1
fi
# the commit measured ('+': with uncommitted changes to anything but the
# results and the README, which a run just before rewrote), in each JSON's context
commit=$(git rev-parse --short=12 HEAD)$(git status --porcelain --untracked-files=no -- . \
	':!bench/results' ':!README.md' | grep -q . && echo +)
# the pools' memory (shim_worker.c: 2 MiB hugepages only with MCFWD_BENCH_HUGE=1)
backing=$([ "${MCFWD_BENCH_HUGE:-}" = 1 ] && echo "2 MiB hugepages" || echo "4 KiB pages (EAL --no-huge)")
machine="$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
# ONLY=worker: just the worker benchmark (the cache's takes ~6 minutes)
if [ "${ONLY:-}" != worker ]; then
./build/bench/bench_mfc --benchmark_context=commit="$commit" \
	--benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
	--benchmark_out_format=json --benchmark_out="$out/bench_mfc.json"
/usr/bin/python3 bench/report.py "$out/bench_mfc.json" "$out" --readme README.md --machine "$machine" --reps "$reps"
fi
# repetitions in random order: this machine has slow phases lasting seconds,
# which otherwise land on all the repetitions of one case
./build/bench/bench_worker --benchmark_context=commit="$commit" \
	--benchmark_context=backing="$backing" \
	--benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
	--benchmark_enable_random_interleaving=true \
	--benchmark_out_format=json --benchmark_out="$out/bench_worker.json"
# the same worker with its passes timed: where a packet's cycles go
./build/bench/bench_worker_phases \
	--benchmark_filter='BM_Worker/flows:(1|1024|65536|1048576)/fanout:[1248]/size:64/clone:0' \
	--benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
	--benchmark_enable_random_interleaving=true \
	--benchmark_out_format=json --benchmark_out="$out/bench_worker_phases.json"
/usr/bin/python3 bench/report_worker.py "$out/bench_worker.json" "$out" --readme README.md --machine "$machine" \
	--phases "$out/bench_worker_phases.json"
