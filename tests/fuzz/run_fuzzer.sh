#!/bin/sh
# Run a libFuzzer binary for a few seconds from its seed corpus (copied, so
# the repository's corpus is not rewritten). Fails on any finding; a crash
# input is kept next to the binary (crash-*, leak-*, ...) and its path
# printed, the copied corpus is removed.
#   run_fuzzer.sh FUZZER CORPUS_DIR SECONDS
set -eu
bin=$(readlink -f "$1") corpus=$2 secs=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$corpus"/. "$work"/
cd "$work"
# not exec: the trap must run
rc=0
"$bin" -max_total_time="$secs" -print_final_stats=1 -detect_leaks=1 \
	-artifact_prefix="$(dirname "$bin")/" "$work" || rc=$?
exit "$rc"
