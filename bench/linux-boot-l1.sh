#!/bin/sh
# SPDX-License-Identifier: MIT
#
# bench/linux-boot-l1.sh -- the L1 side of bench/linux-boot.sh. Not run by hand.
#
# Stage 1 (no arguments): run by tests/harness/x86_64/run-l1.sh as
# /harness/test.sh under busybox sh in L1's initramfs: l1_chroot of
# bench/lib-l1.sh mounts the host root and chroots into it, running stage 2
# with the host's sh, so Debian's qemu-system-x86_64 runs in L1.
#
# Stage 2 (--in-chroot WORK): copies smolvm, the timing helper, the L2 kernels
# and initramfs to a tmpfs, then boots every (kernel, VMM) pair once as a
# warm-up and ROUNDS times measured, interleaved: each round runs every kernel
# with every VMM (VMMS in bench.conf: smolvm, qemu-microvm, qemu-microvm-rtc =
# -M microvm,rtc=on, qemu-pc), the VMM order rotating from round to round. Each boot is
# timed by boottime (process start -> marker on stdout, process start ->
# exit). Results: WORK/results.tsv, one line a boot:
#   round kernel vmm marker_us total_us status maxrss_kb
# (round 0 = warm-up; status 125: the guest halted instead of powering off
# and boottime killed the VMM), per-boot console and stderr in WORK/runs/, one
# `smolvm --stats --timings` boot per kernel in WORK/runs/*-stats.err, and
# L1 facts in WORK/l1-info.txt. Console lines: BENCH-RUN ..., BENCH-DONE.

# shellcheck disable=SC2034 # for l1_boot
MARKER=SMOLVM-BENCH-MARKER

if [ "$1" != "--in-chroot" ]; then
	# ---- stage 1: busybox sh in L1's initramfs ----
	. /harness/lib-l1.sh || exit 1
	l1_chroot linux-boot-l1.sh
	exit
fi

# ---- stage 2: in the chroot (host root, read-only) ----
WORK=$2
. "$WORK/bench.conf" || exit 1
. "$WORK/lib-l1.sh" || exit 1
T=/tmp/bench
# shellcheck disable=SC2046 # a list
l1_setup smolvm boottime l2-initrd.cpio.gz $(for k in $KERNELS; do echo "kernel-$k"; done) ||
	exit 1

l1_facts "$QEMU" >"$WORK/l1-info.txt" 2>&1
sed 's/^/BENCH-INFO: /' "$WORK/l1-info.txt"

# run ROUND KERNEL VMM [EXTRA SMOLVM ARGS]: one timed boot, one line in results.tsv.
run() {
	r=$1 k=$2 v=$3
	shift 3
	K=$T/kernel-$k I=$T/l2-initrd.cpio.gz base=$T/runs/$k-$v-$r
	case $v in
	smolvm | smolvm-b)
		set -- $T/$v --timings "$@" -k "$K" -i "$I" -m "$MEM" -p "$CMDLINE" ;;
	qemu-*)
		case $v in
		qemu-microvm) machine=microvm ;;
		qemu-microvm-rtc) machine=microvm,rtc=on ;;
		qemu-pc) machine=pc ;;
		esac
		set -- "$QEMU" -M "$machine" -accel kvm -nodefaults -no-user-config -nographic \
			-serial stdio -no-reboot -m "$MEM" -kernel "$K" -initrd "$I" -append "$CMDLINE" ;;
	esac
	# A kernel without a power-off handler halts instead: boottime kills the
	# VMM when the halt message appears (status 125) rather than waiting.
	l1_boot $T/boottime "$base" -- "$@"
	# shellcheck disable=SC2154 # set by l1_boot
	set -- "$l_marker_us" "$l_total_us" "$l_status" "$l_rss_kb"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$k" "$v" "$1" "$2" "$3" "$4" >>$T/results.tsv
	cp "$base.out" "$base.err" "$WORK/runs/" 2>/dev/null
	cp $T/results.tsv "$WORK/results.tsv"
	echo "BENCH-RUN round=$r kernel=$k vmm=$v marker_ms=$(($1 / 1000)) total_ms=$(($2 / 1000)) status=$3 rss_kb=$4"
	if l1_boot_failed; then
		echo "BENCH-FAIL round=$r kernel=$k vmm=$v: no marker or exit status $3; last output:"
		l1_failed "$base"
	fi
}

: >$T/results.tsv
r=0
while [ $r -le "$ROUNDS" ]; do
	for k in $KERNELS; do
		# shellcheck disable=SC2046,SC2086 # lists
		set -- $(l1_order $r $VMMS)
		for v in "$@"; do
			run $r $k $v
		done
	done
	r=$((r + 1))
done

# Diagnostics, not timed: smolvm's exit statistics for each kernel.
for k in $KERNELS; do
	run stats $k smolvm --stats
done

cp $T/results.tsv "$WORK/results.tsv"
sync
echo "BENCH-DONE"
