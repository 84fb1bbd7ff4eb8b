#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/aarch64-boot.sh -- Linux boot time on aarch64, smolvm against
# qemu-system-aarch64 -M virt -accel kvm, both on the same /dev/kvm: inside the aarch64
# nested harness's L1.
#
# L1 (tests/harness/aarch64/run-l1.sh: Debian's arm64 cloud kernel under
# qemu-system-aarch64 TCG, -M virt,virtualization=on,gic-version=3 -cpu max,pauth=off,
# 1 vCPU) has /dev/kvm. Its initramfs gets smolvm's static arm64 build, Debian's arm64
# qemu-system-aarch64 with its loader and libraries at their usual paths
# (bench/aarch64/qemu-root.sh: apt-get download + dpkg -x, no mirror or debootstrap),
# the timing helper (bench/linux/boottime.c, static arm64 build), the L2 kernels and the
# L2 busybox initramfs (bench/linux/l2-init.sh: mount proc, print SMOLVM-BENCH-MARKER,
# `poweroff -f`). bench/aarch64/boot-l1.sh then boots every (kernel, VMM) pair once as a
# warm-up and ROUNDS times measured, interleaved, the VMM order rotating; each boot is
# timed in L1 from process start to the marker on the VMM's stdout and to the VMM's exit.
# Results come back on L1's console (BENCH-TSV lines).
#
# VMMs, all with 256 MiB, 1 vCPU and the same command line
#   console=ttyAMA0 panic=-1 quiet
#   smolvm:     smolvm --timings -m 256M -i INITRD -p CMDLINE -k IMAGE
#   qemu:       qemu-system-aarch64 -M virt -accel kvm -cpu host -m 256M -nodefaults
#               -no-user-config -nographic -serial stdio -no-reboot -kernel IMAGE
#               -initrd INITRD -append CMDLINE
#   qemu-lean:  the same with -cpu host,pmu=off,sve=off (a leaner vCPU; smolvm, like
#               plain -cpu host, gives the guest the host's PMU and SVE); an extra, the
#               target is judged against qemu.
# kvmtool (lkvm) would be another column, but Debian 12 has no kvmtool package. After the
# rounds, one boot per VMM of the last kernel without `quiet` records what the guest saw
# (CPU features, PMU, GIC: guest.txt).
#
# L2 kernels: minimal = the project's arm64 Image (kernels/linux/build.sh --arch aarch64),
# if built; cloud = Debian's arm64 cloud kernel (an uncompressed Image), always.
#
# Usage: bench/aarch64-boot.sh [--quick] [--rounds N] [--kernels LIST] [--report] [--help]
#   --quick         3 measured rounds instead of 10
#   --rounds N      N measured rounds (each boots every kernel with every VMM)
#   --kernels LIST  "minimal cloud" (default: both if the minimal kernel is built), or one
#   --report        only print the report of the last run again (no boots)
# Environment: SMOLVM (default: build/aarch64/smolvm from `make ARCH=aarch64 smolvm`; if
#   that cannot be built, QEMU alone is measured), VMMS [smolvm qemu qemu-lean],
#   QEMU_MACHINE [virt], L1_MEM [1G], RUN_TIMEOUT [180] s per boot, BENCH_OUT
#   [build/bench], BENCH_NICE [10] (niceness of the L1 QEMU).
#
# Output: the markdown report on stdout and in BENCH_OUT/aarch64-boot.md; raw data in
# BENCH_OUT/aarch64-boot/ (results.tsv, timelines.txt, l1-info.txt, guest.txt,
# stats.txt, l1-console.log). The L1 console goes to stderr.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

BENCH=aarch64-boot
# shellcheck source=bench/lib-l1.sh
. bench/lib-l1.sh
log() { bench_log "$@"; }
die() { bench_die "$@"; }
KERNELS_OPT=""
bench_option() { # the options only this benchmark has
	case $1 in
	--kernels)
		[ $# -ge 2 ] || bench_usage "--kernels needs a list"
		KERNELS_OPT=$2 b_took=2 ;;
	esac
}
bench_options 10 3 "$@"

BENCH_OUT=${BENCH_OUT:-build/bench}
L1_MEM=${L1_MEM:-1G}
RUN_TIMEOUT=${RUN_TIMEOUT:-180}
BENCH_NICE=${BENCH_NICE:-10}
VMMS=${VMMS:-smolvm qemu qemu-lean}
QEMU_MACHINE=${QEMU_MACHINE:-virt}
CMDLINE="console=ttyAMA0 panic=-1 quiet"
MEM=256M
MARKER="SMOLVM-BENCH-MARKER"

bench_need_tool qemu-system-aarch64 qemu-system-arm
bench_need_tool aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
[ -f /usr/aarch64-linux-gnu/lib/libc.a ] || bench_need_tool /usr/aarch64-linux-gnu/lib/libc.a libc6-dev-arm64-cross
bench_need_tool cpio cpio
bench_python

bench_workdir
bench_report_only bench/aarch64/report.py

rm -rf "$WORK"
mkdir -p "$WORK/bench"

# smolvm: a private copy, so a rebuild by someone else during the run changes nothing.
SMOLVM_INFO="not measured"
case " $VMMS " in *" smolvm "*)
	if [ -z "${SMOLVM:-}" ]; then
		log "make ARCH=aarch64 smolvm"
		if make -s ARCH=aarch64 smolvm >&2 && [ -x build/aarch64/smolvm ]; then
			SMOLVM=build/aarch64/smolvm
		else
			log "warning: smolvm's aarch64 build failed: measuring QEMU alone"
			VMMS=$(echo " $VMMS " | sed 's/ smolvm / /; s/^ *//; s/ *$//')
		fi
	fi
	if [ -n "${SMOLVM:-}" ]; then
		[ -x "$SMOLVM" ] || die "SMOLVM=$SMOLVM is not executable"
		file -L "$SMOLVM" | grep -q 'ARM aarch64.*statically linked' ||
			die "$SMOLVM is not a static arm64 binary (L1 has only busybox)"
		cp "$SMOLVM" "$WORK/bench/smolvm"
		rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
		dirty=$(git diff --name-only HEAD -- src 2>/dev/null | wc -l)
		untracked=$(git ls-files --others --exclude-standard -- src 2>/dev/null | wc -l)
		SMOLVM_INFO="$SMOLVM, built $(date -r "$SMOLVM" '+%F %T'), tree $rev + $dirty modified / $untracked untracked files in src/"
		sk=build/smolkernel/aarch64/smolkernel.bin
		[ -f $sk ] || make -s guests >&2 || true
		[ -f $sk ] && cp $sk "$WORK/bench/smolkernel.bin"
	fi
	;;
esac
[ -n "$VMMS" ] || die "no VMM to measure"

log "QEMU for arm64 (bench/aarch64/qemu-root.sh)"
QROOT=$(bench/aarch64/qemu-root.sh | tail -n 1)
[ -x "$QROOT/usr/bin/qemu-system-aarch64" ] || die "no arm64 QEMU in $QROOT"
QEMU_INFO=$(head -n 1 "$QROOT/.stamp")

log "building the timing helper (static arm64)"
BENCH_CC=aarch64-linux-gnu-gcc bench_static bench/boottime bench/linux/boottime.c

log "kernels"
CLOUD=$(scripts/fetch-debian-kernel.sh --cached --print-vmlinuz arm64 | tail -n 1)
[ -f "$CLOUD" ] || die "no Debian arm64 cloud kernel ($CLOUD)"
L1KDIR=$(dirname "$(dirname "$CLOUD")")
MINDIR=$(kernels/linux/build.sh --arch aarch64 --print-path 2>/dev/null | tail -n 1 || true)
HAVE_MIN=0
[ -n "$MINDIR" ] && [ -f "$MINDIR/Image" ] && HAVE_MIN=1
if [ -z "$KERNELS_OPT" ]; then
	KERNELS="cloud"
	if [ $HAVE_MIN = 1 ]; then
		KERNELS="minimal cloud"
	else
		log "no minimal arm64 kernel (kernels/linux/build.sh --arch aarch64 has not been run): cloud kernel only"
	fi
else
	KERNELS=$KERNELS_OPT
fi
: >"$WORK/kernels.txt"
for k in $KERNELS; do
	case $k in
	cloud)
		cp "$CLOUD" "$WORK/bench/kernel-cloud"
		echo "cloud = Debian $(basename "$CLOUD") (arm64 Image, $(stat -c %s "$CLOUD") bytes)" >>"$WORK/kernels.txt" ;;
	minimal)
		[ $HAVE_MIN = 1 ] || die "no minimal arm64 kernel: run kernels/linux/build.sh --arch aarch64"
		cp "$MINDIR/Image" "$WORK/bench/kernel-minimal"
		echo "minimal = the project's kernels/linux build, $(sed -n 's/^kernel: //p' "$MINDIR/build-info" 2>/dev/null) (arm64 Image, $(stat -c %s "$MINDIR/Image") bytes)" >>"$WORK/kernels.txt" ;;
	*) die "unknown kernel '$k' (minimal, cloud)" ;;
	esac
done

log "L2 initramfs (arm64 busybox)"
tests/harness/mkinitramfs.sh --arch aarch64 --out "$WORK/bench/l2-initrd" \
	--init bench/linux/l2-init.sh >&2

bench_conf <<EOF
KERNELS='$KERNELS'
MARKER=$MARKER
QEMU_MACHINE='$QEMU_MACHINE'
SMOLVM_INFO='$SMOLVM_INFO'
QEMU_INFO='$QEMU_INFO'
EOF

# Budget: a boot of either kernel takes a few seconds to tens of seconds in L2.
nk=$(wc -w <<<"$KERNELS")
nv=$(wc -w <<<"$VMMS")
L1_TIMEOUT=$((300 + (ROUNDS + 2) * nk * nv * 90))
log "L1: $ROUNDS rounds x kernels ($KERNELS) x VMMs ($VMMS), console on stderr, log $WORK/l1-console.log"
t0=$SECONDS
rc=0
nice -n "$BENCH_NICE" tests/harness/aarch64/run-l1.sh --script bench/aarch64/boot-l1.sh \
	--file "$WORK/bench.conf:/harness/bench.conf" --file bench/lib-l1.sh:/harness/lib-l1.sh \
	--file "$WORK/bench:/bench" \
	--file "$QROOT/lib:/lib" --file "$QROOT/usr:/usr" \
	--kernel-dir "$L1KDIR" --mem "$L1_MEM" --smp 1 --timeout "$L1_TIMEOUT" \
	--log "$WORK/l1-console.log" >&2 || rc=$?
log "L1 finished after $((SECONDS - t0)) s, status $rc"

# The results, from the console log.
sed -n 's/^BENCH-TSV //p' "$WORK/l1-console.log" | tr ' ' '\t' >"$WORK/results.tsv"
sed -n 's/^BENCH-TIMELINE //p' "$WORK/l1-console.log" >"$WORK/timelines.txt"
sed -n 's/^BENCH-INFO: //p' "$WORK/l1-console.log" >"$WORK/l1-info.txt"
sed -n 's/^BENCH-STATS //p' "$WORK/l1-console.log" >"$WORK/stats.txt"
sed -n 's/^BENCH-GUEST //p' "$WORK/l1-console.log" >"$WORK/guest.txt"
[ -s "$WORK/results.tsv" ] || die "no results from L1 (status $rc); see $WORK/l1-console.log"
grep -q '^BENCH-DONE' "$WORK/l1-console.log" || log "warning: L1 did not finish the benchmark (status $rc)"

bench_render bench/aarch64/report.py
