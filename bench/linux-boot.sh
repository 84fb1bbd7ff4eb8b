#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/linux-boot.sh -- Linux boot time, smolvm against QEMU -M microvm and
# QEMU -M pc, all on the same /dev/kvm: inside the nested harness's L1.
#
# L1 (QEMU TCG + emulated SVM, tests/harness/x86_64/run-l1.sh) runs Debian's
# generic kernel, mounts the host root read-only over virtio-9p and chroots
# into it (shared/ENVIRONMENT.md, "Running QEMU beside smolvm inside L1"), so
# Debian's qemu-system-x86_64 and smolvm boot the same L2 kernel + busybox
# initramfs on L1's /dev/kvm. The L2 /init mounts proc, prints
# SMOLVM-BENCH-MARKER and runs `poweroff -f`. Each boot is timed inside L1 by
# bench/linux/boottime.c: process start -> marker on the VMM's stdout, and
# process start -> VMM exit; a boot counts only if the marker appeared and the
# VMM exited with status 0 (or the kernel halted instead of powering off: then
# the VMM is killed at the halt message and the boot has no exit time).
#
# VMMs: smolvm (--timings), QEMU -M microvm, QEMU -M microvm,rtc=on (an extra
# not in the brief, see VMMS below) and QEMU -M pc, all with 256 MiB, 1 vCPU,
# QEMU with -accel kvm -nodefaults -no-user-config -nographic -serial stdio
# -no-reboot and its default CPU model (-cpu host aborts under kvm_pvm).
#
# L2 kernels: the Debian cloud kernel (scripts/fetch-debian-kernel.sh) and,
# if built, the project's minimal kernel (kernels/linux/build.sh --print-path).
# Command line for all VMMs:
#   console=ttyS0 panic=-1 quiet i8042.noaux i8042.nomux tsc=reliable no_timer_check
#
# Usage: bench/linux-boot.sh [--quick] [--runs N] [--no-minimal] [--report] [--help]
#   --quick       3 measured rounds instead of 10
#   --runs N      N measured rounds (each boots every kernel with every VMM)
#   --no-minimal  only the Debian cloud kernel
#   --report      only print the report of the last run again (no boots)
# Environment: SMOLVM (default: `make smolvm`, then build/smolvm), SMOLVM_B (a second
#   smolvm, e.g. a build from before a change, run as VMM smolvm-b when VMMS names it),
#   VMMS ["smolvm qemu-microvm qemu-microvm-rtc qemu-pc"], L1_MEM [1G],
#   RUN_TIMEOUT [180] seconds per boot, BENCH_OUT [build/bench].
#
# Output: the markdown table on stdout and in BENCH_OUT/linux-boot.md; raw
# data in BENCH_OUT/linux-boot/ (results.tsv, runs/, l1-console.log). The L1
# console goes to stderr. One warm-up boot per (kernel, VMM) is discarded;
# the measured rounds are interleaved with the VMM order rotating.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

BENCH=linux-boot
# shellcheck source=bench/lib-l1.sh
. bench/lib-l1.sh
log() { bench_log "$@"; }
die() { bench_die "$@"; }
MINIMAL=1
bench_option() { # the options only this benchmark has
	case $1 in
	--no-minimal) MINIMAL=0 b_took=1 ;;
	esac
}
bench_options 10 3 "$@"

BENCH_OUT=${BENCH_OUT:-build/bench}
L1_MEM=${L1_MEM:-1G}
L1_SMP=1
RUN_TIMEOUT=${RUN_TIMEOUT:-180}
CMDLINE=$BENCH_CMDLINE_X86
MEM=256M
# qemu-microvm-rtc (-M microvm,rtc=on) is not in the brief: with KVM, microvm's
# rtc=auto means no RTC, yet its ACPI tables do not say so, and the Debian kernel's
# rtc_cmos probe of the absent CMOS RTC stalls ~4 s in this nested setup.
VMMS=${VMMS:-"smolvm qemu-microvm qemu-microvm-rtc qemu-pc"}
bench_vmms smolvm smolvm-b qemu-microvm qemu-microvm-rtc qemu-pc
# No stall watchdog and no second L1 session (linux-boot-l1.sh cannot resume).
HEARTBEAT=0 RETRIES=0
bench_tools

bench_workdir
bench_report_only bench/linux/report.py

rm -rf "$WORK"
mkdir -p "$WORK"

bench_smolvm

log "building the timing helper"
bench_static boottime bench/linux/boottime.c

log "kernels"
CLOUD=$(scripts/fetch-debian-kernel.sh --cached --print-vmlinuz amd64 | tail -n 1)
[ -f "$CLOUD" ] || die "no Debian cloud kernel ($CLOUD)"
cp "$CLOUD" "$WORK/kernel-cloud"
KERNELS=cloud
KINFO="cloud = Debian $(basename "$CLOUD") (bzImage, $(stat -c %s "$CLOUD") bytes)"
if [ "$MINIMAL" = 1 ]; then
	MINDIR=$(kernels/linux/build.sh --print-path 2>/dev/null | tail -n 1 || true)
	if [ -n "$MINDIR" ] && [ -f "$MINDIR/bzImage" ]; then
		cp "$MINDIR/bzImage" "$WORK/kernel-minimal"
		KERNELS="cloud minimal"
		KINFO="$KINFO; minimal = the project's kernels/linux build, $(sed -n 's/^kernel: //p' "$MINDIR/build-info" 2>/dev/null) (bzImage, $(stat -c %s "$MINDIR/bzImage") bytes)"
	else
		log "no minimal kernel (kernels/linux/build.sh has not been run): cloud kernel only"
	fi
fi
bench_l1_kernel

log "L2 initramfs"
tests/harness/mkinitramfs.sh --out "$WORK/l2-initrd.cpio.gz" --init bench/linux/l2-init.sh >&2

cp bench/linux-boot-l1.sh bench/lib-l1.sh "$WORK/"
echo "$KINFO" >"$WORK/kernels.txt"
bench_conf <<EOF
KERNELS='$KERNELS'
EOF

# Each boot takes a few seconds in L2; the slowest seen are far below RUN_TIMEOUT.
nk=$(wc -w <<<"$KERNELS")
nv=$(wc -w <<<"$VMMS")
L1_TIMEOUT=$((300 + (ROUNDS + 2) * nk * nv * 60))
log "L1: $ROUNDS rounds x kernels ($KERNELS) x VMMs ($VMMS), console on stderr, log $WORK/l1-console.log"
# shellcheck disable=SC2119 # no extra run-l1.sh arguments
bench_l1_sessions
bench_render bench/linux/report.py
