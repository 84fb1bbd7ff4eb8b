#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh: runs libFuzzer targets built by `make fuzz-build` and prints one table.
#   tests/fuzz/run.sh [--seconds S] [--runs N] [--parallel P] [--timeout T] -- TARGET... [-- LIBFUZZER-ARGS...]
# Each target runs for S seconds (or N inputs, whichever ends first; N = -1: no limit) on
# build/fuzz/corpus/<target>, which starts as a copy of tests/fuzz/corpus/<target> (the tree
# is never written) and keeps what earlier runs found; tests/fuzz/<target>.dict is used if
# present. Crashes, leaks and timeouts (an input running longer than T seconds, default
# 25) go to build/fuzz/crashes/<target>/, the log to build/fuzz/logs/<target>.log. P
# targets run at once (default 1). Exits 1 if any target found something, 2 on a usage or
# build problem.
set -uo pipefail

cd "$(dirname "$0")/../.."
FUZZ_DIR=build/fuzz
seconds=60 runs=-1 parallel=1 timeout=25
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) seconds=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--parallel) parallel=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
targets=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do targets+=("$1"); shift; done
[ $# -gt 0 ] && shift
extra=("$@")
[ ${#targets[@]} -gt 0 ] || { echo "run.sh: no targets" >&2; exit 2; }

run_one() {
	local t=$1 bin=$FUZZ_DIR/fuzz-$1 corpus=$FUZZ_DIR/corpus/$1 crashes=$FUZZ_DIR/crashes/$1
	local log=$FUZZ_DIR/logs/$1.log dict=tests/fuzz/$1.dict args=()

	mkdir -p "$corpus" "$crashes" "$FUZZ_DIR/logs"
	[ -d "tests/fuzz/corpus/$t" ] && cp -n "tests/fuzz/corpus/$t"/* "$corpus"/ 2>/dev/null
	# Inputs that once crashed or misled smolvm: replayed first by every run (regressions).
	[ -d "tests/fuzz/$t/crashes-found" ] && cp -n "tests/fuzz/$t/crashes-found"/* "$corpus"/ 2>/dev/null
	[ -f "$dict" ] && args+=("-dict=$dict")
	"$bin" -max_total_time="$seconds" -runs="$runs" -timeout="$timeout" \
		-print_final_stats=1 -artifact_prefix="$crashes/" "${args[@]}" \
		${extra[@]+"${extra[@]}"} "$corpus" >"$log" 2>&1
	echo $? >"$log.rc"
}

for t in "${targets[@]}"; do
	[ -x "$FUZZ_DIR/fuzz-$t" ] || { echo "run.sh: $FUZZ_DIR/fuzz-$t is not built" >&2; exit 2; }
done
for t in "${targets[@]}"; do
	echo "fuzz: $t for ${seconds}s$([ "$runs" != -1 ] && echo " or $runs inputs")"
	rm -f "$FUZZ_DIR/crashes/$t"/* 2>/dev/null
	run_one "$t" &
	while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n; done
done
wait

stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }
status=0
printf '\n%-12s %14s %10s %8s %10s %8s  %s\n' target executions exec/s corpus "corpus KiB" crashes result
for t in "${targets[@]}"; do
	log=$FUZZ_DIR/logs/$t.log rc=$(cat "$FUZZ_DIR/logs/$t.log.rc" 2>/dev/null || echo 2)
	crashes=$(find "$FUZZ_DIR/crashes/$t" -type f | wc -l)
	files=$(find "$FUZZ_DIR/corpus/$t" -type f | wc -l)
	kib=$(du -sk "$FUZZ_DIR/corpus/$t" | cut -f1)
	result=ok
	if [ "$rc" != 0 ] || [ "$crashes" != 0 ]; then
		result="FAILED (exit $rc; see $log)"
		status=1
	fi
	printf '%-12s %14s %10s %8s %10s %8s  %s\n' "$t" "$(stat number_of_executed_units "$log")" \
		"$(stat average_exec_per_sec "$log")" "$files" "$kib" "$crashes" "$result"
done
if [ $status != 0 ]; then
	echo
	for t in "${targets[@]}"; do
		for f in "$FUZZ_DIR/crashes/$t"/*; do
			[ -f "$f" ] && echo "fuzz: $t: reproduce with $FUZZ_DIR/fuzz-$t $f"
		done
	done
fi
exit $status
