#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/net.sh -- virtio-net throughput and latency, smolvm against QEMU -M microvm
# (virtio-mmio, like smolvm), both on the same /dev/kvm and the same tap interface:
# inside the nested harness's L1.
#
# L1 is set up as for bench/disk.sh (bench/lib-l1.sh: Debian's generic kernel under QEMU
# TCG with emulated SVM, the host root over virtio-9p, chrooted into), plus the tun and
# vhost_net modules. In L1 (bench/net-l1.sh) one persistent tap interface, tap0, has
# 10.0.0.1/24, and bench/linux/net/netio.c runs as a server on it for the whole session.
# Each VMM in turn boots the project's minimal kernel (kernels/linux/build.sh
# --print-path; virtio-mmio and virtio-net built in) with a busybox initramfs whose /init
# (bench/linux/net/l2-init.sh) gives eth0 10.0.0.2/24 and measures, against L1:
#   ping     busybox ping -c PING_N -i 0.2: round-trip time (median, mean)
#   tcp-rr   1-byte request / 1-byte response over one TCP connection, RR_N times
#   tcp-tx   NET_MB MiB over TCP, guest -> L1 (virtio-net transmit)
#   tcp-tx-1k  NET_MB / 8 MiB the same way in 1 KiB writes (small segments, as busybox nc)
#   tcp-rx   NET_MB MiB over TCP, L1 -> guest (virtio-net receive)
# TCP tests are timed by both ends; the report uses L1's clock (the same for every VMM).
#
# smolvm: `--net tap=tap0,mac=52:54:00:12:34:56` (one worker thread, readv/writev on the
# tap). QEMU: `-netdev tap,id=n0,ifname=tap0,script=no,downscript=no,vhost=off -device
# virtio-net-device,netdev=n0,mac=52:54:00:12:34:56`: vhost=off, so that both devices
# run in the VMM's user space. Both: 256 MiB, 1 vCPU, QEMU with -accel kvm -nodefaults
# -no-user-config -nographic -serial stdio -no-reboot and its default CPU model. Command
# line: console=ttyS0 panic=-1 quiet i8042.noaux i8042.nomux tsc=reliable no_timer_check
# plus net.* settings for /init.
#
# Usage: bench/net.sh [--quick] [--runs N] [--report] [--help]
#   --quick       2 measured rounds instead of 5, NET_MB 64
#   --runs N      N measured rounds (each runs every VMM, order rotating)
#   --report      only print the report of the last run again (no runs)
# Environment: SMOLVM (default: `make smolvm`, then build/smolvm), NET_MB [128],
#   RR_N [2000], PING_N [20], L1_MEM [1536M], L1_SMP [1], RUN_TIMEOUT [600] s per run,
#   BENCH_OUT [build/bench], HEARTBEAT [30], STALL_TIMEOUT [240], RETRIES [3], L1_TIMEOUT
#   (see bench/disk.sh), VMMS ["smolvm qemu-microvm qemu-microvm-vhost"]; QEMU variants:
#   qemu-microvm (the reference, vhost=off), qemu-microvm-vhost (vhost=on: the device in
#   L1's kernel; dropped if L1 has no /dev/vhost-net), qemu-microvm-modern (vhost=off,
#   -global virtio-mmio.force-legacy=false: QEMU 7.2's virtio-mmio is legacy by default),
#   qemu-microvm-nomrg (vhost=off, mrg_rxbuf=off: no mergeable receive buffers); and
#   smolvm-b, a second smolvm given as SMOLVM_B (see bench/disk.sh).
#
# Output: the markdown table on stdout and in BENCH_OUT/net.md; raw data in
# BENCH_OUT/net/ (results.tsv, runs/, netio.log, l1-console.log). The L1 console goes to
# stderr. One warm-up run per VMM (small sizes) is discarded; one extra `smolvm --stats`
# run at the end gives smolvm's exit counts.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

BENCH=net
# shellcheck source=bench/lib-l1.sh
. bench/lib-l1.sh
log() { bench_log "$@"; }
die() { bench_die "$@"; }
bench_options 5 2 "$@"

BENCH_OUT=${BENCH_OUT:-build/bench}
L1_MEM=${L1_MEM:-1536M}
RUN_TIMEOUT=${RUN_TIMEOUT:-600}
NET_MB=${NET_MB:-$([ $QUICK = 1 ] && echo 64 || echo 128)}
RR_N=${RR_N:-2000}
PING_N=${PING_N:-20}
CMDLINE=$BENCH_CMDLINE_X86
MEM=256M
VMMS=${VMMS:-smolvm qemu-microvm qemu-microvm-vhost}
L1_SMP=${L1_SMP:-1}
bench_vmms smolvm smolvm-b qemu-microvm qemu-microvm-vhost qemu-microvm-modern qemu-microvm-nomrg
bench_positive NET_MB RR_N PING_N RUN_TIMEOUT L1_SMP
bench_watchdog_settings
bench_tools

bench_workdir
bench_report_only bench/linux/net/report.py

rm -rf "$WORK"
mkdir -p "$WORK"

bench_smolvm

log "building netio and vmmrun"
bench_static netio bench/linux/net/netio.c
bench_static vmmrun bench/linux/disk/vmmrun.c

log "kernels"
bench_kernels "virtio-mmio and virtio-net"

log "L2 initramfs"
tests/harness/mkinitramfs.sh --out "$WORK/l2-initrd.cpio.gz" --init bench/linux/net/l2-init.sh \
	--file "$WORK/netio:/bin/netio" >&2

cp bench/net-l1.sh bench/lib-l1.sh "$WORK/"
bench_conf <<EOF
NET_MB=$NET_MB
RR_N=$RR_N
PING_N=$PING_N
EOF

nv=$(wc -w <<<"$VMMS")
L1_TIMEOUT=${L1_TIMEOUT:-$((600 + (ROUNDS + 2) * nv * RUN_TIMEOUT / 4))}
log "L1: warm-up + $ROUNDS rounds x VMMs ($VMMS), console on stderr, log $WORK/l1-console.log"

# tun for tap0, vhost_net for the vhost=on variant.
bench_l1_sessions --module tun --module vhost_net
bench_render bench/linux/net/report.py
