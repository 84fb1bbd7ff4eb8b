#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/disk.sh -- virtio-blk throughput and IOPS, smolvm against QEMU -M microvm
# (virtio-mmio, like smolvm), both on the same /dev/kvm: inside the nested
# harness's L1.
#
# L1 (QEMU TCG + emulated SVM, tests/harness/x86_64/run-l1.sh) runs Debian's
# generic kernel, mounts the host root read-only over virtio-9p and chroots
# into it (shared/ENVIRONMENT.md, "Running QEMU beside smolvm inside L1"), so
# Debian's qemu-system-x86_64 and smolvm run side by side on L1's /dev/kvm
# (bench/disk-l1.sh; the L1 launch, the chroot and the stall watchdog are in
# bench/lib-l1.sh, shared with bench/net.sh). Both boot the project's minimal kernel
# (kernels/linux/build.sh --print-path; virtio-mmio and virtio-blk built in)
# with a busybox initramfs whose /init (bench/linux/disk/l2-init.sh) tests
# /dev/vda, all within its first SEQ_MB MiB:
#   dd-seqwrite  busybox dd if=/dev/zero of=/dev/vda bs=1M count=SEQ_MB oflag=direct conv=fsync
#   dd-seqread   busybox dd if=/dev/vda of=/dev/null bs=1M count=SEQ_MB iflag=direct
# (timed in the guest around the dd), then bench/linux/disk/randio.c (static, O_DIRECT
# pread/pwrite, times itself, checks the data of every read against what it wrote):
#   seqwrite     SEQ_PASSES x SEQ_MB 1 MiB writes, then fdatasync (FLUSH)
#   seqread      SEQ_PASSES x SEQ_MB 1 MiB reads
#   randread     RAND_N 4 KiB reads at random 4 KiB-aligned offsets, 1 in flight
#   randwrite    RAND_N 4 KiB writes, 1 in flight, then fdatasync
#   randread-qd  RAND_N 4 KiB reads from QD threads (up to QD requests in flight)
#
# The disk is one raw image file of IMG_MB MiB in L1's tmpfs, used by both
# VMMs. smolvm: `--disk IMG` (plain preadv/pwritev on one worker thread,
# fdatasync on FLUSH). QEMU: `-drive id=d0,file=IMG,format=raw,if=none
# -device virtio-blk-device,drive=d0` with its defaults: cache=writeback (the
# host page cache, FLUSH -> fdatasync: the same as smolvm; cache=none, i.e.
# O_DIRECT, is not possible on tmpfs) and aio=threads. Both: 256 MiB, 1 vCPU,
# QEMU with -accel kvm -nodefaults -no-user-config -nographic -serial stdio
# -no-reboot and its default CPU model. Command line:
#   console=ttyS0 panic=-1 quiet i8042.noaux i8042.nomux tsc=reliable no_timer_check
# plus disk.seq_mb=, disk.seq_passes=, disk.rand_n=, disk.qd= for /init.
#
# Usage: bench/disk.sh [--quick] [--runs N] [--report] [--help]
#   --quick       2 measured rounds instead of 5
#   --runs N      N measured rounds (each runs both VMMs, order alternating)
#   --report      only print the report of the last run again (no runs)
# Environment: SMOLVM (default: `make smolvm`, then build/smolvm), SEQ_MB [128],
#   SEQ_PASSES [4], RAND_N [4000], QD [8], IMG_MB [256], L1_MEM [1536M], L1_SMP [1],
#   RUN_TIMEOUT [600] s per run, BENCH_OUT [build/bench], HEARTBEAT [30] (L1 prints a
#   console line every N s; 0 = off, which also turns off the stall watchdog),
#   STALL_TIMEOUT [240] (s of console silence after which L1 counts as stalled and
#   is stopped), RETRIES [3] (new L1 sessions after one that did not finish; each
#   resumes with the first round not every VMM finished),
#   L1_TIMEOUT (default from ROUNDS and RUN_TIMEOUT), KVM_HISTS (trace runs; off: none),
#   VMMS ["smolvm qemu-microvm"]; extra QEMU variants for cross-checks:
#   qemu-microvm-modern (-global virtio-mmio.force-legacy=false: QEMU 7.2's
#   virtio-mmio is legacy by default) and qemu-microvm-tuned (modern, plus
#   -object iothread and aio=io_uring for the disk); and smolvm-b, a second smolvm
#   given as SMOLVM_B (e.g. a build from before a change), to compare in the same L1.
#
# Output: the markdown table on stdout and in BENCH_OUT/disk.md; raw data in
# BENCH_OUT/disk/ (results.tsv, runs/, l1-console.log). The L1 console goes to
# stderr. One warm-up run per VMM (small sizes) is discarded; one extra
# `smolvm --stats` run at the end gives smolvm's exit counts.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

BENCH=disk
# shellcheck source=bench/lib-l1.sh
. bench/lib-l1.sh
log() { bench_log "$@"; }
die() { bench_die "$@"; }
bench_options 5 2 "$@"

BENCH_OUT=${BENCH_OUT:-build/bench}
L1_MEM=${L1_MEM:-1536M}
RUN_TIMEOUT=${RUN_TIMEOUT:-600}
SEQ_MB=${SEQ_MB:-128}
SEQ_PASSES=${SEQ_PASSES:-4}
RAND_N=${RAND_N:-4000}
QD=${QD:-8}
IMG_MB=${IMG_MB:-256}
CMDLINE=$BENCH_CMDLINE_X86
MEM=256M
VMMS=${VMMS:-smolvm qemu-microvm}
L1_SMP=${L1_SMP:-1}
bench_vmms smolvm smolvm-b qemu-microvm qemu-microvm-modern qemu-microvm-tuned
bench_positive SEQ_MB SEQ_PASSES RAND_N QD IMG_MB RUN_TIMEOUT L1_SMP
bench_watchdog_settings
[ "$SEQ_MB" -le "$IMG_MB" ] || bench_usage "SEQ_MB must be <= IMG_MB"
[ "$QD" -le 64 ] || bench_usage "QD must be <= 64"
bench_tools

bench_workdir
bench_report_only bench/linux/disk/report.py

rm -rf "$WORK"
mkdir -p "$WORK"

bench_smolvm

log "building randio and vmmrun"
bench_static randio bench/linux/disk/randio.c -pthread
bench_static vmmrun bench/linux/disk/vmmrun.c

log "kernels"
bench_kernels "virtio-mmio and virtio-blk"

log "L2 initramfs"
tests/harness/mkinitramfs.sh --out "$WORK/l2-initrd.cpio.gz" --init bench/linux/disk/l2-init.sh \
	--file "$WORK/randio:/bin/randio" >&2

cp bench/disk-l1.sh bench/lib-l1.sh "$WORK/"
bench_conf <<EOF
SEQ_MB=$SEQ_MB
SEQ_PASSES=$SEQ_PASSES
RAND_N=$RAND_N
QD=$QD
IMG_MB=$IMG_MB
KVM_HISTS='${KVM_HISTS:-}'
EOF

nv=$(wc -w <<<"$VMMS")
L1_TIMEOUT=${L1_TIMEOUT:-$((600 + (ROUNDS + 3) * nv * RUN_TIMEOUT / 2))}
log "L1: warm-up + $ROUNDS rounds x VMMs ($VMMS), console on stderr, log $WORK/l1-console.log"

# shellcheck disable=SC2119 # no extra run-l1.sh arguments
bench_l1_sessions
bench_render bench/linux/disk/report.py
