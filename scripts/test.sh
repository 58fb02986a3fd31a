#!/usr/bin/env bash
# Every test suite CI runs: set-up, optimised build (-Werror), unit,
# torture, fuzz-corpus and e2e (mcfwd on net_pcap ports) suites, a benchmark
# smoke run, then the same
# suites under ASan+UBSan (LeakSanitizer on). Prints "N passed, N failed".
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
run_suites build unit torture fuzz smoke e2e

echo "== ASan+UBSan build"
configure build-asan -Dbuildtype=debugoptimized -Db_sanitize=address,undefined \
	-Db_lundef=false -Dtorture_seconds="$torture_s"
ninja -C build-asan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_suites build-asan unit torture fuzz e2e

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
