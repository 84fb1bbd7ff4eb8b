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
# Environment: SMOLVM (default: `make smolvm`, then build/smolvm), L1_MEM [1G],
#   RUN_TIMEOUT [180] seconds per boot, BENCH_OUT [build/bench].
#
# Output: the markdown table on stdout and in BENCH_OUT/linux-boot.md; raw
# data in BENCH_OUT/linux-boot/ (results.tsv, runs/, l1-console.log). The L1
# console goes to stderr. One warm-up boot per (kernel, VMM) is discarded;
# the measured rounds are interleaved with the VMM order rotating.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

ROUNDS=10
MINIMAL=1
REPORT_ONLY=0
while [ $# -gt 0 ]; do
	case $1 in
	--quick) ROUNDS=3; shift ;;
	--runs) [ $# -ge 2 ] || { echo "linux-boot.sh: --runs needs N" >&2; exit 2; }
		ROUNDS=$2; shift 2 ;;
	--no-minimal) MINIMAL=0; shift ;;
	--report) REPORT_ONLY=1; shift ;;
	-h | --help)
		sed -n '4,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
		exit 0 ;;
	*) echo "linux-boot.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
done
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "linux-boot.sh: --runs must be a positive number" >&2; exit 2; }

BENCH_OUT=${BENCH_OUT:-build/bench}
L1_MEM=${L1_MEM:-1G}
RUN_TIMEOUT=${RUN_TIMEOUT:-180}
CMDLINE="console=ttyS0 panic=-1 quiet i8042.noaux i8042.nomux tsc=reliable no_timer_check"
MEM=256M
# qemu-microvm-rtc (-M microvm,rtc=on) is not in the brief: with KVM, microvm's
# rtc=auto means no RTC, yet its ACPI tables do not say so, and the Debian kernel's
# rtc_cmos probe of the absent CMOS RTC stalls ~4 s in this nested setup.
VMMS="smolvm qemu-microvm qemu-microvm-rtc qemu-pc"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'linux-boot.sh: error: %s\n' "$*" >&2; exit 1; }

need_tool() { # need_tool TOOL PACKAGE
	command -v "$1" >/dev/null 2>&1 && return 0
	log "installing $2 (for $1)"
	apt-get install -y "$2" >&2 || die "could not install $2"
}
need_tool qemu-system-x86_64 qemu-system-x86
need_tool cpio cpio
need_tool gcc gcc
[ -x /bin/busybox ] || need_tool busybox busybox-static
PY=/usr/bin/python3
[ -x $PY ] || PY=$(command -v python3) || die "python3 is needed for the statistics"

mkdir -p "$BENCH_OUT"
WORK=$(cd "$BENCH_OUT" && pwd)/linux-boot

render() { # the markdown report of the run in $WORK, to stdout and $BENCH_OUT/linux-boot.md
	$PY bench/linux/report.py "$WORK" >"$BENCH_OUT/linux-boot.md" || die "bench/linux/report.py failed"
	cat "$BENCH_OUT/linux-boot.md"
}

if [ "$REPORT_ONLY" = 1 ]; then
	[ -s "$WORK/results.tsv" ] || die "no results in $WORK: run without --report first"
	render
	exit 0
fi

rm -rf "$WORK"
mkdir -p "$WORK"

# smolvm: a private copy, so a rebuild by someone else during the run changes nothing.
if [ -n "${SMOLVM:-}" ]; then
	[ -x "$SMOLVM" ] || die "SMOLVM=$SMOLVM is not executable"
else
	log "make smolvm"
	make -s smolvm >&2 || die "make smolvm failed"
	SMOLVM=build/smolvm
fi
file -L "$SMOLVM" 2>/dev/null | grep -q 'statically linked' ||
	log "warning: $SMOLVM is not statically linked (it runs in L1 from the host root, so it may still work)"
cp "$SMOLVM" "$WORK/smolvm"

log "building the timing helper"
gcc -std=gnu17 -O2 -Wall -Wextra -Werror -static -o "$WORK/boottime" bench/linux/boottime.c

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
L1KDIR=$(scripts/fetch-debian-kernel.sh --cached --flavour generic amd64 | tail -n 1)
[ -d "$L1KDIR" ] || die "no Debian generic kernel for L1"

log "L2 initramfs"
tests/harness/mkinitramfs.sh --out "$WORK/l2-initrd.cpio.gz" --init bench/linux/l2-init.sh >&2

cp bench/linux-boot-l1.sh "$WORK/linux-boot-l1.sh"
echo "$KINFO" >"$WORK/kernels.txt"
cat >"$WORK/bench.conf" <<EOF
WORK='$WORK'
KERNELS='$KERNELS'
VMMS='$VMMS'
ROUNDS=$ROUNDS
MEM=$MEM
RUN_TIMEOUT=$RUN_TIMEOUT
CMDLINE='$CMDLINE'
EOF

# Each boot takes a few seconds in L2; the slowest seen are far below RUN_TIMEOUT.
nk=$(wc -w <<<"$KERNELS")
nv=$(wc -w <<<"$VMMS")
L1_TIMEOUT=$((300 + (ROUNDS + 2) * nk * nv * 60))
log "L1: $ROUNDS rounds x kernels ($KERNELS) x VMMs ($VMMS), console on stderr, log $WORK/l1-console.log"
t0=$SECONDS
rc=0
# multidevs=remap: the host root spans several file systems (/, /proc, /sys, ...)
# whose inode numbers collide; without it L1's 9p client mixes up /proc and
# /sys and the proc mount in the chroot disappears.
tests/harness/x86_64/run-l1.sh --script bench/linux-boot-l1.sh \
	--file "$WORK/bench.conf:/harness/bench.conf" \
	--kernel-dir "$L1KDIR" --module virtio_pci --module 9pnet_virtio --module 9p \
	--mem "$L1_MEM" --smp 1 --timeout "$L1_TIMEOUT" --log "$WORK/l1-console.log" \
	--qemu-arg -virtfs --qemu-arg "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
	--qemu-arg -virtfs --qemu-arg "local,path=$WORK,mount_tag=out,security_model=none" \
	>&2 || rc=$?
log "L1 finished after $((SECONDS - t0)) s, status $rc"
[ -s "$WORK/results.tsv" ] || die "no results from L1 (status $rc); see $WORK/l1-console.log"
grep -q BENCH-DONE "$WORK/l1-console.log" || log "warning: L1 did not finish the benchmark (status $rc)"

render
