#!/usr/bin/env bash
# Every test suite CI runs: set-up, optimised gcc build (-Werror): unit,
# torture, fuzz-corpus, e2e (mcfwd on net_pcap ports) and benchmark smoke
# suites; then a clang build with ASan+UBSan+LSan and the libFuzzer
# targets: the same suites plus short fuzzing sessions.
# Prints "N passed, N failed, N skipped". Root is needed (packages,
# hugepages, network namespaces): run through sudo when not root.
set -euo pipefail
self=$(readlink -f "$0") # before the cd: $0 may be relative to where we were
cd "$(dirname "$self")/.."

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null; then
		exec sudo -E bash "$self" "$@"
	fi
	echo "scripts/test.sh: run as root (packages, hugepages, network namespaces)" >&2
	exit 1
fi

bash scripts/setup.sh

# DPDK run directories of our test processes that are gone (each uses a
# prefix mcfwd-...-PID; one killed leaves its directory behind)
for d in /var/run/dpdk/mcfwd-*-[0-9]*; do
	[ -d "$d" ] || continue
	# a netns run's suffix is its PID in hex: its own sweep takes those
	case $d in */mcfwd-netns-*) continue ;; esac
	pid=${d##*-}
	[[ $pid =~ ^[0-9]+$ ]] || continue
	kill -0 "$pid" 2>/dev/null || rm -rf "$d"
done

jobs=$(nproc)
torture_s=${MCFWD_TORTURE_SECONDS:-10}

# Every option is given each time: a reused build directory may carry
# options set by hand (a long soak, no fuzzers), and the run must be CI's.
# A directory an interrupted setup left without build.ninja is removed
# (meson's --wipe refuses one it never finished: no cmd_line.txt).
configure() { # dir, options...
	local dir=$1; shift
	if [ -f "$dir/build.ninja" ]; then
		meson configure "$dir" "$@" >/dev/null
	elif [ -d "$dir" ]; then
		rm -rf "$dir"
		meson setup "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}
common=(-Dtorture_seconds="$torture_s" -Dsoak_seconds=60 -Dfuzz_seconds=15 -Dmarch=native)

passed=0 failed=0 skipped=0
run_suites() { # dir, suites... | dir --no-rebuild test names...
	local dir=$1; shift
	local args=()
	if [ "${1:-}" = --no-rebuild ]; then
		args=("$@")
	else
		for s in "$@"; do args+=(--suite "$s"); done
	fi
	local log="$dir/meson-logs/testlog.txt"
	# an older run's log must not be counted if this one dies first
	rm -f "$log"
	if meson test -C "$dir" "${args[@]}" --print-errorlogs --num-processes "$jobs"; then :; fi
	# meson's own summary: "Ok: N", "Fail: N", "Timeout: N", "Skipped: N"
	local ok fail to sk
	ok=$(grep -E '^Ok:' "$log" | tail -1 | awk '{print $2}')
	fail=$(grep -E '^Fail:' "$log" | tail -1 | awk '{print $2}')
	to=$(grep -E '^Timeout:' "$log" | tail -1 | awk '{print $2}')
	sk=$(grep -E '^Skipped:' "$log" | tail -1 | awk '{print $2}')
	passed=$((passed + ${ok:-0}))
	failed=$((failed + ${fail:-0} + ${to:-0}))
	skipped=$((skipped + ${sk:-0}))
	if [ -z "$ok" ]; then failed=$((failed + 1)); fi
}

echo "== optimised build"
configure build -Dbuildtype=release -Db_sanitize=none -Dfuzz=false "${common[@]}"
ninja -C build
run_suites build unit torture fuzz smoke e2e soak

# The cache's lookup has an AVX-512, an AVX2 and a plain path, chosen at
# compile time (-march): this machine builds one. The other two, built
# and tested here too (the cache and worker tests, 3 s of torture), so a
# CPU without AVX-512 or AVX is not the first to compile them.
for m in x86-64-v3 x86-64-v2; do
	echo "== the cache and worker built for $m"
	configure "build-$m" -Dbuildtype=release -Db_sanitize=none -Dfuzz=false \
		-Dtorture_seconds=3 -Dsoak_seconds=60 -Dfuzz_seconds=15 -Dmarch="$m"
	ninja -C "build-$m" tests/test_mfc tests/torture_mfc tests/test_worker
	# run where this CPU can (the loader knows: a CPU without AVX2 would
	# die of SIGILL in code built for v3)
	if /lib64/ld-linux-x86-64.so.2 --help 2>/dev/null | grep -q "$m (supported"; then
		run_suites "build-$m" --no-rebuild mfc mfc-torture worker
	else
		echo "built, not run: this CPU is not $m"
	fi
done

# The second build: clang with ASan+UBSan (LeakSanitizer on) and the
# libFuzzer targets, which also run briefly from their seed corpora
# (gcc if clang is missing: no fuzzers then).
if command -v clang >/dev/null; then
	echo "== clang ASan+UBSan build with the fuzzers"
	san_dir=build-clang
	# a directory set up with another compiler has no fuzzers: start over
	if [ -f "$san_dir/build.ninja" ] &&
	   ! grep -A1 '^rule c_COMPILER' "$san_dir/build.ninja" | grep -q 'command = clang '; then
		rm -rf "$san_dir"
	fi
	CC=clang CXX=clang++ configure "$san_dir" -Dbuildtype=debugoptimized \
		-Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true "${common[@]}"
else
	echo "== gcc ASan+UBSan build (no clang: no fuzzers)"
	san_dir=build-asan
	configure "$san_dir" -Dbuildtype=debugoptimized -Db_sanitize=address,undefined \
		-Db_lundef=false -Dfuzz=false "${common[@]}"
fi
ninja -C "$san_dir"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_suites "$san_dir" unit torture fuzz e2e

# The one skip by design: the netns scenarios in the sanitizer build (they
# run in the optimised one). Any other skip is a test that did not run.
echo
echo "(1 skip by design: e2e-netns in the sanitizer build)"
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$skipped" -gt 1 ]; then
	echo "tests were skipped that must run here" >&2
	failed=$((failed + skipped - 1))
fi
[ "$failed" -eq 0 ]
