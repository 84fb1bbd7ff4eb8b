#!/bin/sh
# SPDX-License-Identifier: MIT
#
# bench/disk-l1.sh -- the L1 side of bench/disk.sh. Not run by hand.
#
# Stage 1 (no arguments): run by tests/harness/x86_64/run-l1.sh as
# /harness/test.sh under busybox sh in L1's initramfs: l1_chroot of
# bench/lib-l1.sh mounts the host root and chroots into it, running stage 2
# with the host's sh, so Debian's qemu-system-x86_64 runs in L1 (the same setup
# as bench/linux-boot-l1.sh).
#
# Stage 2 (--in-chroot WORK): copies smolvm, the runner (vmmrun), the L2
# kernel and initramfs to L1's tmpfs, creates the disk image there
# (IMG_MB MiB of zeros, written out so every page exists) and boots the L2
# guest once per VMM as a warm-up (small test sizes), then ROUNDS times per
# VMM, interleaved with the VMM order alternating. Both VMMs get the same
# image file. The guest's /init (bench/linux/disk/l2-init.sh) runs the disk
# tests and powers off. Results: WORK/results.tsv, one line a run:
#   round vmm total_us status maxrss_kb utime_us stime_us
# (round 0 = warm-up, "stats" = the extra `smolvm --stats` run), per-run
# console (time-stamped by L1), stderr and L1 counter snapshots (KVM debugfs,
# /proc/stat, the VMM's threads) in WORK/runs/VMM-ROUND.{out,err,stats}, and
# L1 facts in WORK/l1-info.txt. After the measured rounds, one diagnostic run
# per VMM ("trace", not counted) with KVM tracepoint histograms (hist
# triggers on kvm_exit, kvm_mmio, kvm_msr, kvm_userspace_exit, kvm_set_irq,
# kvm_inj_virq) snapshotted per test into WORK/runs/VMM-trace.stats, and one
# `smolvm --stats` run ("stats"). Console lines: BENCH-RUN ..., BENCH-DONE.

if [ "$1" != "--in-chroot" ]; then
	# ---- stage 1: busybox sh in L1's initramfs ----
	. /harness/lib-l1.sh || exit 1
	l1_chroot disk-l1.sh
	exit
fi

# ---- stage 2: in the chroot (host root, read-only; /tmp is L1's tmpfs) ----
WORK=$2
. "$WORK/bench.conf" || exit 1
. "$WORK/lib-l1.sh" || exit 1
T=/tmp/bench
IMG=$T/disk.img
l1_setup smolvm vmmrun kernel l2-initrd.cpio.gz || exit 1
# Written out (not a sparse file): reads of holes and first writes would
# cost differently from the later runs.
dd if=/dev/zero of=$IMG bs=1M count="$IMG_MB" 2>/dev/null || {
	echo "BENCH-ERROR: cannot create the $IMG_MB MiB image in L1's tmpfs"
	exit 1
}

{
	l1_facts "$QEMU"
	echo "disk image: $IMG, $(stat -c %s $IMG) bytes, on $(df -T $T | awk 'NR == 2 {print $2}')"
} >"$WORK/l1-info.txt" 2>&1
sed 's/^/BENCH-INFO: /' "$WORK/l1-info.txt"

# run ROUND VMM SIZES [EXTRA SMOLVM ARGS]: one boot with the disk tests, one line in results.tsv.
run() {
	r=$1 v=$2 sizes=$3
	shift 3
	K=$T/kernel I=$T/l2-initrd.cpio.gz base=$T/runs/$v-$r
	case $v in
	smolvm | smolvm-b)
		set -- "$T/$v" "$@" -k "$K" -i "$I" -m "$MEM" --disk "$IMG" -p "$CMDLINE $sizes" ;;
	qemu-microvm*)
		# virtio-mmio like smolvm; QEMU's default cache mode (writeback: the host page
		# cache, flushes are fdatasync) and aio=threads, as smolvm's plain preadv/pwritev.
		# Variants (not the default): -modern = virtio 1.x virtio-mmio (QEMU 7.2's
		# virtio-mmio is legacy unless force-legacy=false); -tuned = -modern plus an
		# iothread for the disk and aio=io_uring.
		aio='' dev=virtio-blk-device,drive=d0
		set --
		case $v in
		qemu-microvm) ;;
		qemu-microvm-modern) set -- -global virtio-mmio.force-legacy=false ;;
		qemu-microvm-tuned)
			set -- -global virtio-mmio.force-legacy=false -object iothread,id=io0
			aio=,aio=io_uring dev=$dev,iothread=io0 ;;
		*)
			echo "BENCH-ERROR: unknown VMM $v"
			return ;;
		esac
		set -- "$QEMU" -M microvm -accel kvm -nodefaults -no-user-config -nographic \
			-serial stdio -no-reboot -m "$MEM" -kernel "$K" -initrd "$I" \
			-append "$CMDLINE $sizes" "$@" \
			-drive "id=d0,file=$IMG,format=raw,if=none$aio" -device "$dev" ;;
	*)
		echo "BENCH-ERROR: unknown VMM $v"
		return ;;
	esac
	l1_run "$r" "$v" "$base" "DISK-BEGIN DISK-RESULT DISK-DONE" -- "$@"
	sed -n 's/^[0-9.]* DISK-RESULT name=\([^ ]*\) .* mbps=\([^ ]*\) iops=\([^ ]*\) .*errors=\([0-9]*\).*/  \1: \2 MB\/s, \3 IOPS, errors \4/p' "$base.out"
	# shellcheck disable=SC2154 # l_status: set by l1_run
	if [ "$l_status" -ne 0 ] || ! grep -q 'DISK-DONE status=0' "$base.out"; then
		echo "BENCH-FAIL round=$r vmm=$v: exit status $l_status or failed tests; last output:"
		l1_failed "$base"
	fi
}

l1_heartbeat
HISTARGS=
SIZES="disk.seq_mb=$SEQ_MB disk.seq_passes=$SEQ_PASSES disk.rand_n=$RAND_N disk.qd=$QD"
# The warm-up with small tests.
l1_rounds "disk.seq_mb=16 disk.seq_passes=1 disk.rand_n=200 disk.qd=$QD" "$SIZES"

# Diagnostics, not counted. KVM tracepoint histograms (tracing costs time, so
# these runs are not measured ones): which exits, MMIO addresses, MSRs and
# interrupts each test causes under each VMM.
TR=/sys/kernel/debug/tracing/events/kvm
HISTS=${KVM_HISTS:-}
[ -n "$HISTS" ] || HISTS="kvm_exit:exit_reason.hex kvm_mmio:type,gpa.hex kvm_msr:write,ecx.hex
kvm_userspace_exit:reason kvm_set_irq:gsi,level kvm_inj_virq:vector"
if [ "$HISTS" = off ]; then
	echo "BENCH-INFO: KVM_HISTS=off: no trace runs"
elif [ -d $TR/kvm_exit ]; then
	HISTARGS=
	for h in $HISTS; do
		e=${h%%:*}
		if echo "hist:keys=${h#*:}:size=2048" >"$TR/$e/trigger" 2>/dev/null; then
			HISTARGS="$HISTARGS -H $TR/$e/hist"
		else
			echo "BENCH-INFO: no hist trigger on kvm:$e"
		fi
	done
	for v in $VMMS; do
		run trace "$v" "$SIZES"
	done
	for h in $HISTS; do
		echo "!hist:keys=${h#*:}:size=2048" >"$TR/${h%%:*}/trigger" 2>/dev/null
	done
	HISTARGS=
else
	echo "BENCH-INFO: no KVM tracepoints in L1 (debugfs/tracefs): no trace runs"
fi
# smolvm's own exit statistics over one whole run.
run stats smolvm "$SIZES" --stats

cp $T/results.tsv "$WORK/results.tsv"
sync
echo "BENCH-DONE"
