#!/bin/sh
# SPDX-License-Identifier: MIT
#
# bench/disk-l1.sh -- the L1 side of bench/disk.sh. Not run by hand.
#
# Stage 1 (no arguments): run by tests/harness/x86_64/run-l1.sh as
# /harness/test.sh under busybox sh in L1's initramfs. Reads
# /harness/bench.conf (WORK=host path of the work directory), mounts the host
# root read-only over virtio-9p at /host and the work directory writable over
# it, mounts proc/sys/debugfs/dev/tmpfs into /host and chroots there, running
# stage 2 with the host's sh, so Debian's qemu-system-x86_64 runs in L1
# (the same setup as bench/linux-boot-l1.sh).
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
	. /harness/bench.conf || exit 1
	opts=trans=virtio,version=9p2000.L,msize=512000
	mkdir -p /host
	if ! mount -t 9p -o "$opts,ro,cache=loose" hostroot /host; then
		echo "BENCH-ERROR: cannot mount the host root over 9p (virtio-pci/9p modules?)"
		lsmod 2>/dev/null | head -n 30
		exit 1
	fi
	mount -t proc proc /host/proc
	mount -t sysfs sysfs /host/sys
	# KVM's exit counters (per-test snapshots by vmmrun)
	mount -t debugfs debugfs /host/sys/kernel/debug 2>/dev/null ||
		echo "BENCH-INFO: no debugfs: no KVM exit counters"
	mount -t devtmpfs devtmpfs /host/dev
	mount -t tmpfs -o mode=1777 tmpfs /host/dev/shm 2>/dev/null
	mount -t tmpfs -o mode=1777 tmpfs /host/tmp
	mount -t tmpfs -o mode=755 tmpfs /host/run
	mount -t tmpfs -o mode=1777 tmpfs /host/var/tmp 2>/dev/null
	# after the tmpfs mounts, so that a WORK under /tmp is not hidden by them
	mkdir -p "/host$WORK" 2>/dev/null
	mount -t 9p -o "$opts" out "/host$WORK" || {
		echo "BENCH-ERROR: cannot mount the results share at /host$WORK"
		exit 1
	}
	env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LANG=C TERM=dumb chroot /host /bin/sh "$WORK/disk-l1.sh" --in-chroot "$WORK"
	rc=$?
	sync
	umount "/host$WORK" 2>/dev/null
	exit $rc
fi

# ---- stage 2: in the chroot (host root, read-only; /tmp is L1's tmpfs) ----
WORK=$2
. "$WORK/bench.conf" || exit 1
T=/tmp/bench
IMG=$T/disk.img
mkdir -p $T/runs "$WORK/runs" || exit 1
cp "$WORK/smolvm" "$WORK/vmmrun" "$WORK/kernel" "$WORK/l2-initrd.cpio.gz" $T/ || exit 1
QEMU=$(command -v qemu-system-x86_64) || {
	echo "BENCH-ERROR: no qemu-system-x86_64 in the host root"
	exit 1
}
[ -c /dev/kvm ] || {
	echo "BENCH-ERROR: no /dev/kvm in L1"
	exit 1
}
# Written out (not a sparse file): reads of holes and first writes would
# cost differently from the later runs.
dd if=/dev/zero of=$IMG bs=1M count="$IMG_MB" 2>/dev/null || {
	echo "BENCH-ERROR: cannot create the $IMG_MB MiB image in L1's tmpfs"
	exit 1
}

{
	echo "L1 kernel: $(uname -r)"
	echo "L1 CPUs: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
	echo "L1 MemTotal: $(awk '/MemTotal/ {print $2}' /proc/meminfo) kB"
	echo "kvm_amd nested=$(cat /sys/module/kvm_amd/parameters/nested 2>/dev/null) npt=$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null)" \
		"halt_poll_ns=$(cat /sys/module/kvm/parameters/halt_poll_ns 2>/dev/null)"
	echo "disk image: $IMG, $(stat -c %s $IMG) bytes, on $(df -T $T | awk 'NR == 2 {print $2}')"
	echo "QEMU in L1: $($QEMU --version | head -n 1)"
	echo "smolvm: $($T/smolvm --version 2>&1)"
} >"$WORK/l1-info.txt" 2>&1
sed 's/^/BENCH-INFO: /' "$WORK/l1-info.txt"

# run ROUND VMM SIZES [EXTRA SMOLVM ARGS]: one boot with the disk tests, one line in results.tsv.
run() {
	r=$1 v=$2 sizes=$3
	shift 3
	K=$T/kernel I=$T/l2-initrd.cpio.gz base=$T/runs/$v-$r
	case $v in
	smolvm)
		set -- $T/smolvm "$@" -k "$K" -i "$I" -m "$MEM" --disk "$IMG" -p "$CMDLINE $sizes" ;;
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
	# shellcheck disable=SC2086 # HISTARGS is a list
	line=$($T/vmmrun -t "$RUN_TIMEOUT" -o "$base.out" -S "$base.stats" -s DISK-BEGIN \
		-s DISK-RESULT -s DISK-DONE $HISTARGS -- "$@" 2>"$base.err")
	# total_us=N status=N maxrss_kb=N utime_us=N stime_us=N -> N N N N N
	# shellcheck disable=SC2046 # split on purpose
	set -- $(echo "$line" | sed 's/[a-z_]*=//g')
	if [ $# -ne 5 ]; then
		set -- -1 255 0 0 0
		echo "vmmrun failed: $line" >>"$base.err"
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$v" "$1" "$2" "$3" "$4" "$5" >>$T/results.tsv
	cp "$base.out" "$base.err" "$base.stats" "$WORK/runs/" 2>/dev/null
	cp $T/results.tsv "$WORK/results.tsv"
	echo "BENCH-RUN round=$r vmm=$v total_ms=$(($1 / 1000)) status=$2 rss_kb=$3 cpu_ms=$((($4 + $5) / 1000))"
	sed -n 's/^[0-9.]* DISK-RESULT name=\([^ ]*\) .* mbps=\([^ ]*\) iops=\([^ ]*\) .*errors=\([0-9]*\).*/  \1: \2 MB\/s, \3 IOPS, errors \4/p' "$base.out"
	if [ "$2" -ne 0 ] || ! grep -q 'DISK-DONE status=0' "$base.out"; then
		echo "BENCH-FAIL round=$r vmm=$v: exit status $2 or failed tests; last output:"
		tail -n 15 "$base.out" | sed 's/^/  | /'
		tail -n 10 "$base.err" | sed 's/^/  ! /'
	fi
}

# HEARTBEAT=N in bench.conf: L1 prints its uptime every N seconds, so that
# bench/disk.sh can tell a stalled L1 from a long run.
if [ "${HEARTBEAT:-0}" -gt 0 ]; then
	(while sleep "$HEARTBEAT"; do echo "BENCH-HEARTBEAT $(cut -d ' ' -f 1 /proc/uptime)"; done) &
fi
: >$T/results.tsv
HISTARGS=
SIZES="disk.seq_mb=$SEQ_MB disk.seq_passes=$SEQ_PASSES disk.rand_n=$RAND_N disk.qd=$QD"
# Round 0, the warm-up (discarded): loads QEMU and its libraries over 9p, small tests.
for v in $VMMS; do
	run 0 "$v" "disk.seq_mb=16 disk.seq_passes=1 disk.rand_n=200 disk.qd=$QD"
done
r=1
while [ "$r" -le "$ROUNDS" ]; do
	# rotate the VMM order: round r starts at VMM number r mod (number of VMMs)
	# shellcheck disable=SC2086 # a list
	set -- $VMMS
	i=0
	while [ $i -lt $((r % $#)) ]; do
		first=$1
		shift
		set -- "$@" "$first"
		i=$((i + 1))
	done
	for v in "$@"; do
		run "$r" "$v" "$SIZES"
	done
	r=$((r + 1))
done

# Diagnostics, not counted. KVM tracepoint histograms (tracing costs time, so
# these runs are not measured ones): which exits, MMIO addresses, MSRs and
# interrupts each test causes under each VMM.
TR=/sys/kernel/debug/tracing/events/kvm
HISTS=${KVM_HISTS:-}
[ -n "$HISTS" ] || HISTS="kvm_exit:exit_reason.hex kvm_mmio:type,gpa.hex kvm_msr:write,ecx.hex
kvm_userspace_exit:reason kvm_set_irq:gsi,level kvm_inj_virq:vector"
if [ -d $TR/kvm_exit ]; then
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
