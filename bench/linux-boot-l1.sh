#!/bin/sh
# SPDX-License-Identifier: MIT
#
# bench/linux-boot-l1.sh -- the L1 side of bench/linux-boot.sh. Not run by hand.
#
# Stage 1 (no arguments): run by tests/harness/x86_64/run-l1.sh as
# /harness/test.sh under busybox sh in L1's initramfs. Reads
# /harness/bench.conf (WORK=host path of the work directory), mounts the host
# root read-only over virtio-9p at /host and the work directory writable over
# it, mounts proc/sys/dev/tmpfs into /host and chroots there, running stage 2
# with the host's bash, so Debian's qemu-system-x86_64 runs in L1.
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

MARKER=SMOLVM-BENCH-MARKER

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
		LANG=C TERM=dumb chroot /host /bin/sh "$WORK/linux-boot-l1.sh" --in-chroot "$WORK"
	rc=$?
	sync
	umount "/host$WORK" 2>/dev/null
	exit $rc
fi

# ---- stage 2: in the chroot (host root, read-only) ----
WORK=$2
. "$WORK/bench.conf" || exit 1
T=/tmp/bench
mkdir -p $T/runs "$WORK/runs" || exit 1
cp "$WORK/smolvm" "$WORK/boottime" "$WORK/l2-initrd.cpio.gz" $T/ || exit 1
for k in $KERNELS; do
	cp "$WORK/kernel-$k" "$T/kernel-$k" || exit 1
done
QEMU=$(command -v qemu-system-x86_64) || {
	echo "BENCH-ERROR: no qemu-system-x86_64 in the host root"
	exit 1
}
[ -c /dev/kvm ] || {
	echo "BENCH-ERROR: no /dev/kvm in L1"
	exit 1
}

{
	echo "L1 kernel: $(uname -r)"
	echo "L1 CPUs: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
	echo "L1 MemTotal: $(awk '/MemTotal/ {print $2}' /proc/meminfo) kB"
	echo "kvm_amd nested=$(cat /sys/module/kvm_amd/parameters/nested 2>/dev/null) npt=$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null)"
	echo "QEMU in L1: $($QEMU --version | head -n 1)"
	echo "smolvm: $($T/smolvm --version 2>&1)"
} >"$WORK/l1-info.txt" 2>&1
sed 's/^/BENCH-INFO: /' "$WORK/l1-info.txt"

# run ROUND KERNEL VMM [EXTRA SMOLVM ARGS]: one timed boot, one line in results.tsv.
run() {
	r=$1 k=$2 v=$3
	shift 3
	K=$T/kernel-$k I=$T/l2-initrd.cpio.gz base=$T/runs/$k-$v-$r
	case $v in
	smolvm)
		set -- $T/smolvm --timings "$@" -k "$K" -i "$I" -m "$MEM" -p "$CMDLINE" ;;
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
	line=$($T/boottime -t "$RUN_TIMEOUT" -x "reboot: System halted" -o "$base.out" \
		"$MARKER" -- "$@" 2>"$base.err")
	# marker_us=N total_us=N status=N maxrss_kb=N -> N N N N
	# shellcheck disable=SC2046 # split on purpose
	set -- $(echo "$line" | sed 's/[a-z_]*=//g')
	if [ $# -ne 4 ]; then
		set -- -1 -1 255 0
		echo "boottime failed: $line" >>"$base.err"
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$k" "$v" "$1" "$2" "$3" "$4" >>$T/results.tsv
	cp "$base.out" "$base.err" "$WORK/runs/" 2>/dev/null
	cp $T/results.tsv "$WORK/results.tsv"
	echo "BENCH-RUN round=$r kernel=$k vmm=$v marker_ms=$(($1 / 1000)) total_ms=$(($2 / 1000)) status=$3 rss_kb=$4"
	if [ "$1" -lt 0 ] || { [ "$3" -ne 0 ] && [ "$3" -ne 125 ]; }; then
		echo "BENCH-FAIL round=$r kernel=$k vmm=$v: no marker or exit status $3; last output:"
		tr -d '\r' <"$base.out" | tail -n 15 | sed 's/^/  | /'
		tail -n 10 "$base.err" | sed 's/^/  ! /'
	fi
}

: >$T/results.tsv
r=0
while [ $r -le "$ROUNDS" ]; do
	for k in $KERNELS; do
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
