#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# coverage.sh: line coverage of each fuzz target's own sources. Replays the target's seed
# corpus (tests/fuzz/corpus/<target>) and whatever runs found (build/fuzz/corpus/<target>)
# once on the coverage build (build/fuzz/cov/fuzz-<target>, `make fuzz-coverage` builds
# it), merges the profile and prints llvm-cov's per-file report and a summary table.
#   tests/fuzz/coverage.sh TARGET...
set -euo pipefail

cd "$(dirname "$0")/../.."
COV=build/fuzz/cov
PROFDATA=$(command -v llvm-profdata || command -v llvm-profdata-14)
LLVMCOV=$(command -v llvm-cov || command -v llvm-cov-14)

# The code each target is there to exercise.
sources() {
	case $1 in
	elf) echo src/loader/elf.c ;;
	bzimage) echo src/loader/bzimage.c src/arch/x86_64/linux.c src/arch/x86_64/boot.c ;;
	arm64_image) echo src/loader/arm64_image.c ;;
	dtb) echo src/arch/aarch64/fdt.c ;;
	virtq | virtio_mmio)
		echo src/virtio/virtqueue.c src/virtio/virtio_mmio.c src/virtio/blk.c \
			src/virtio/net.c src/virtio/rng.c src/virtio/virtio_console.c ;;
	*) echo "coverage.sh: unknown target $1" >&2; exit 2 ;;
	esac
}

# Where a file also holds code no input reaches by design, the functions a target is for:
# fdt.c mostly writes smolvm's own device tree; --dtb is validate and patch_chosen.
functions() {
	case $1 in
	dtb) echo '^(aarch64_fdt_validate|aarch64_fdt_patch_chosen|fdt.c:(set_chosen|fdt_error|buf_len))$' ;;
	esac
}

summary=()
for t in "$@"; do
	dirs=()
	for d in tests/fuzz/corpus/$t build/fuzz/corpus/$t; do
		[ -d "$d" ] && dirs+=("$d")
	done
	rm -f "$COV/$t".profraw*
	LLVM_PROFILE_FILE="$COV/$t.profraw" "$COV/fuzz-$t" -runs=0 "${dirs[@]}" \
		>"$COV/$t.replay.log" 2>&1
	"$PROFDATA" merge -sparse -o "$COV/$t.profdata" "$COV/$t".profraw*
	echo "== $t (corpus: ${dirs[*]})"
	# shellcheck disable=SC2046
	"$LLVMCOV" report "$COV/fuzz-$t" -instr-profile="$COV/$t.profdata" $(sources "$t") |
		tee "$COV/$t.report.txt"
	# TOTAL line: Regions Missed Cover Functions Missed Executed Lines Missed Cover ...
	re=$(functions "$t")
	if [ -n "$re" ]; then
		# shellcheck disable=SC2046
		"$LLVMCOV" report "$COV/fuzz-$t" -instr-profile="$COV/$t.profdata" -show-functions \
			$(sources "$t") | awk -v re="$re" '$1 ~ re' | tee "$COV/$t.functions.txt"
		summary+=("$(awk -v t="$t (fns)" '{ l += $5; m += $6 }
			END { printf "%-12s %8d %8d %7.2f%%", t, l, m, l ? 100 * (l - m) / l : 0 }' \
			"$COV/$t.functions.txt")")
	else
		summary+=("$(awk -v t="$t" '$1 == "TOTAL" { printf "%-12s %8s %8s %8s", t, $8, $9, $10 }' \
			"$COV/$t.report.txt")")
	fi
done
echo
printf '%-12s %8s %8s %8s\n' target lines missed cover
printf '%s\n' "${summary[@]}"
echo "(HTML: $LLVMCOV show build/fuzz/cov/fuzz-TARGET -instr-profile=build/fuzz/cov/TARGET.profdata -format=html -output-dir=DIR SOURCES)"
