#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-all.sh SMOLVM: the Linux-guest tests, in the nested harness (see README.md). Builds the
# L2 initramfs, gathers the guest kernels (Debian's cloud kernel; the project's minimal kernel
# as bzImage and PVH vmlinux), boots L1 once and runs every guest check in it.
set -euo pipefail
cd "$(dirname "$0")/../.."
SMOLVM=${1:-build/smolvm}
CACHE=${SMOLVM_CACHE:-$HOME/.cache/smolvm}
OUT=build/harness
mkdir -p "$OUT"

files=(--file "$SMOLVM:/bin/smolvm")
debian=$(scripts/fetch-debian-kernel.sh --print-vmlinuz amd64 | tail -n 1)
files+=(--file "$debian:/l2/kernels/debian.bzImage")
if [ "${SMOLVM_SKIP_MINIMAL_KERNEL:-0}" != 1 ]; then
	minimal=$(kernels/linux/build.sh --arch x86_64 | tail -n 1)
	files+=(--file "$minimal/bzImage:/l2/kernels/minimal.bzImage")
	files+=(--file "$minimal/vmlinux:/l2/kernels/minimal.vmlinux")
	# The same vmlinux without its PVH note: booted through the 64-bit boot_params entry.
	tests/harness/strip-pvh-note.py "$minimal/vmlinux" "$OUT/vmlinux-nopvh"
	files+=(--file "$OUT/vmlinux-nopvh:/l2/kernels/minimal-nopvh.vmlinux")
else
	echo "NOTE: SMOLVM_SKIP_MINIMAL_KERNEL=1: the project's minimal kernel is not tested"
fi

tests/harness/mkinitramfs.sh --out "$OUT/l2-initrd.cpio.gz" --init tests/harness/l2-init.sh
files+=(--file "$OUT/l2-initrd.cpio.gz:/l2/initrd")

status=0
tests/harness/x86_64/run-l1.sh --script tests/harness/x86_64/linux-tests.sh "${files[@]}" \
	--mem 2G --timeout "${HARNESS_TIMEOUT:-1500}" --log "$OUT/x86_64.log" >/dev/null || status=$?
echo "harness: L1 finished with status $status; console log in $OUT/x86_64.log"
tests/harness/report.sh "$OUT/x86_64.log"
