#!/usr/bin/env bash
# Every test suite CI runs: set-up, optimised gcc build (-Werror): unit,
# torture, fuzz-corpus, e2e (mcfwd on net_pcap ports) and benchmark smoke
# suites; then a clang build with ASan+UBSan+LSan and the libFuzzer
# targets: the same suites plus short fuzzing sessions.
# Prints "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

jobs=$(nproc)
torture_s=${MCFWD_TORTURE_SECONDS:-10}

configure() { # dir, options...
	local dir=$1; shift
	if [ -f "$dir/build.ninja" ]; then
		meson configure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}

passed=0 failed=0
run_suites() { # dir, suites...
	local dir=$1; shift
	local args=()
	for s in "$@"; do args+=(--suite "$s"); done
	local log="$dir/meson-logs/testlog.txt"
	if meson test -C "$dir" "${args[@]}" --print-errorlogs --num-processes "$jobs"; then :; fi
	# meson's own summary: "Ok: N", "Fail: N", "Timeout: N"
	local ok fail to
	ok=$(grep -E '^Ok:' "$log" | tail -1 | awk '{print $2}')
	fail=$(grep -E '^Fail:' "$log" | tail -1 | awk '{print $2}')
	to=$(grep -E '^Timeout:' "$log" | tail -1 | awk '{print $2}')
	passed=$((passed + ${ok:-0}))
	failed=$((failed + ${fail:-0} + ${to:-0}))
	if [ -z "$ok" ]; then failed=$((failed + 1)); fi
}

echo "== optimised build"
configure build -Dbuildtype=release -Dtorture_seconds="$torture_s"
ninja -C build
run_suites build unit torture fuzz smoke e2e soak

# The second build: clang with ASan+UBSan (LeakSanitizer on) and the
# libFuzzer targets, which also run briefly from their seed corpora
# (gcc if clang is missing: no fuzzers then).
if command -v clang >/dev/null; then
	echo "== clang ASan+UBSan build with the fuzzers"
	san_dir=build-clang
	if [ ! -f "$san_dir/build.ninja" ]; then
		CC=clang CXX=clang++ meson setup "$san_dir" -Dbuildtype=debugoptimized \
			-Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true \
			-Dtorture_seconds="$torture_s" >/dev/null
	else
		meson configure "$san_dir" -Dtorture_seconds="$torture_s" >/dev/null
	fi
else
	echo "== gcc ASan+UBSan build (no clang: no fuzzers)"
	san_dir=build-asan
	configure "$san_dir" -Dbuildtype=debugoptimized -Db_sanitize=address,undefined \
		-Db_lundef=false -Dtorture_seconds="$torture_s"
fi
ninja -C "$san_dir"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_suites "$san_dir" unit torture fuzz e2e

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
