#!/bin/sh
# SPDX-License-Identifier: MIT
#
# bench/aarch64/boot-l1.sh -- the L1 side of bench/aarch64-boot.sh. Not run by hand.
#
# Runs as /harness/test.sh under busybox sh in the aarch64 harness's L1 (Debian's arm64
# cloud kernel under qemu-system-aarch64 TCG with emulated EL2, so L1 has /dev/kvm). The
# L1 initramfs holds (bench/aarch64-boot.sh puts them there):
#   /harness/bench.conf   KERNELS VMMS ROUNDS MEM CMDLINE RUN_TIMEOUT MARKER
#   /harness/lib-l1.sh    bench/lib-l1.sh (l1_boot, l1_order, l1_failed)
#   /bench/boottime       bench/linux/boottime.c, static arm64 build
#   /bench/kernel-NAME    the L2 kernels (arm64 Image)
#   /bench/l2-initrd      the L2 busybox initramfs (/init: print MARKER, poweroff -f)
#   /bench/smolvm         smolvm's static arm64 build (if smolvm is in VMMS)
#   /bench/smolkernel.bin the aarch64 smolkernel (a sanity boot of smolvm, not timed)
#   /usr/bin/qemu-system-aarch64 + its loader and libraries (bench/aarch64/qemu-root.sh)
#
# Boots every (kernel, VMM) pair once as a warm-up (round 0) and ROUNDS times measured,
# interleaved, the VMM order rotating from round to round. The results go to the console
# (L1 has no file share), one line a boot:
#   BENCH-TSV round kernel vmm marker_us total_us status maxrss_kb guest_poweroff_ms
# guest_poweroff_ms is the guest's printk time of "reboot: Power down" (-1 if absent).
# smolvm boots also print their --timings line as BENCH-TIMELINE; a failed boot prints
# the tail of its console and stderr. Ends with BENCH-DONE.

# shellcheck disable=SC1091 # written by bench/aarch64-boot.sh
. /harness/bench.conf || exit 1
. /harness/lib-l1.sh || exit 1
B=/bench
T=/tmp/bench
mkdir -p $T
export PATH=/usr/bin:/bin:/sbin:/usr/sbin

[ -c /dev/kvm ] || { echo "BENCH-ERROR: no /dev/kvm in L1"; exit 1; }
QEMU=/usr/bin/qemu-system-aarch64

info() { echo "BENCH-INFO: $*"; }
info "L1 kernel: $(uname -r), $(nproc) CPU(s), MemTotal $(awk '/MemTotal/ {print $2}' /proc/meminfo) kB"
info "L1 CPU (TCG -cpu max): $(awk -F': *' '/^CPU implementer/ && !i { i = $2 } /^CPU part/ && !p { p = $2 } /^CPU variant/ && !v { v = $2 } END { printf "implementer %s, part %s, variant %s", i, p, v }' /proc/cpuinfo)"
info "L1 CPU features: $(grep -m 1 Features /proc/cpuinfo | cut -d: -f2-)"
info "kvm: $(dmesg | grep -E 'kvm \[[0-9]+\]' | tail -n 4 | sed 's/^\[[^]]*\] //' | tr '\n' ';')"
info "QEMU: $($QEMU --version 2>&1 | head -n 1)"
case " $VMMS " in *" smolvm "*) info "smolvm: $($B/smolvm --version 2>&1 | head -n 1)" ;; esac

# Process start-up floors (no VM): time to the first line of `--version`, median of 3.
floor() { # floor NAME MARKER CMD...: prints the median ms
	f_name=$1 f_marker=$2
	shift 2
	for _ in 1 2 3; do
		$B/boottime -t 60 "$f_marker" -- "$@" 2>/dev/null | sed -n 's/^marker_us=\([0-9]*\).*/\1/p'
	done | sort -n | sed -n 2p | awk -v n="$f_name" '{ printf "%s %.0f ms; ", n, $1 / 1000 }'
}
fl=$(floor qemu-system-aarch64 "QEMU emulator" $QEMU --version)
case " $VMMS " in *" smolvm "*) fl="$fl$(floor smolvm smolvm $B/smolvm --version)" ;; esac
info "process start to --version output (median of 3): $fl"

# Sanity, untimed: smolvm on the smolkernel ("Hello from EL1", exit 0).
case " $VMMS " in *" smolvm "*)
	if [ -f $B/smolkernel.bin ]; then
		timeout 60 $B/smolvm $B/smolkernel.bin </dev/null >$T/smolkernel.out 2>$T/smolkernel.err
		rc=$?
		if grep -q 'Hello from EL1' $T/smolkernel.out; then
			info "smolvm smolkernel.bin: Hello from EL1, exit $rc"
		else
			info "smolvm smolkernel.bin: no 'Hello from EL1', exit $rc"
			tail -n 5 $T/smolkernel.out $T/smolkernel.err | sed 's/^/  | /'
		fi
	fi
	;;
esac

# run ROUND KERNEL VMM [EXTRA ARGS]: one timed boot, one BENCH-TSV line.
run() {
	r=$1 k=$2 v=$3
	shift 3
	K=$B/kernel-$k I=$B/l2-initrd base=$T/$k-$v-$r
	case $v in
	smolvm)
		set -- $B/smolvm --timings "$@" -m "$MEM" -i "$I" -p "$CMDLINE" -k "$K" ;;
	qemu | qemu-lean)
		cpu=host
		[ "$v" = qemu ] || cpu=host,pmu=off,sve=off
		set -- $QEMU -M "$QEMU_MACHINE" -accel kvm -cpu $cpu -m "$MEM" -nodefaults \
			-no-user-config -nographic -serial stdio -no-reboot "$@" \
			-kernel "$K" -initrd "$I" -append "$CMDLINE" ;;
	esac
	l1_boot $B/boottime "$base" -- "$@"
	# shellcheck disable=SC2154 # set by l1_boot
	set -- "$l_marker_us" "$l_total_us" "$l_status" "$l_rss_kb"
	clock=$(tr -d '\r' <"$base.out" | sed -n 's/^\[ *\([0-9]*\)\.\([0-9][0-9][0-9]\).*\] reboot: Power down.*/\1\2/p' | tail -n 1)
	clock=$(echo "${clock:--1}" | sed 's/^0*\([0-9]\)/\1/')
	printf 'BENCH-TSV %s %s %s %s %s %s %s %s\n' "$r" "$k" "$v" "$1" "$2" "$3" "$4" "$clock"
	if [ "$v" = smolvm ]; then
		tl=$(grep -m 1 'boot timeline' "$base.err")
		[ -z "$tl" ] || printf 'BENCH-TIMELINE %s %s %s\n' "$r" "$k" "$tl"
	fi
	if l1_boot_failed; then
		echo "BENCH-FAIL round=$r kernel=$k vmm=$v: no marker or exit status $3; last output:"
		l1_failed "$base" 25 15
	elif [ "$r" = 0 ]; then
		# the warm-up boot's console, for the record (and to see the cmdline took)
		tr -d '\r' <"$base.out" | tail -n 12 | sed "s/^/  [$k $v] | /"
		grep -v 'boot timeline' "$base.err" | tail -n 5 | sed "s/^/  [$k $v] ! /"
	fi
	[ -n "${keep_out:-}" ] || rm -f "$base.out" "$base.err"
}

r=0
while [ $r -le "$ROUNDS" ]; do
	for k in $KERNELS; do
		# shellcheck disable=SC2046,SC2086 # lists
		set -- $(l1_order $r $VMMS)
		for v in "$@"; do
			run $r "$k" "$v"
		done
	done
	r=$((r + 1))
done

# Diagnostics, not timed: what each VMM's vCPU and platform look like to the guest (the
# last kernel, without quiet: CPU features, PMU, GIC, timer), and smolvm's exit statistics.
# shellcheck disable=SC2086 # a list
set -- $KERNELS
for k in "$@"; do :; done
CMDLINE_Q=$CMDLINE
CMDLINE=$(echo " $CMDLINE " | sed 's/ quiet / /; s/^ *//; s/ *$//')
keep_out=1
for v in $VMMS; do
	run diag "$k" "$v" >/dev/null
	tr -d '\r' <"$T/$k-$v-diag.out" | grep -E 'Machine model|Scalable Vector|SVE:|SME|perfevents|PMU|GICv[23]: [0-9]+ SPIs|LPI|arch_timer|PSCIv' |
		sed "s/^/BENCH-GUEST $v: /"
	rm -f "$T/$k-$v-diag.out" "$T/$k-$v-diag.err"
done
keep_out=
CMDLINE=$CMDLINE_Q

case " $VMMS " in *" smolvm "*)
	for k in $KERNELS; do
		$B/smolvm --stats -m "$MEM" -i $B/l2-initrd -p "$CMDLINE" -k "$B/kernel-$k" \
			</dev/null >/dev/null 2>$T/stats.err
		sed "s/^/BENCH-STATS $k: /" $T/stats.err
	done
	;;
esac
echo "BENCH-DONE"
