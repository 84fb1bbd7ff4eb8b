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

files+=(--file tests/harness/x86_64/virtio-tests.sh:/harness/virtio-tests.sh)
files+=(--file tests/harness/x86_64/net-tests.sh:/harness/net-tests.sh)

# Two disks for L1 (virtio-pci there): an ext4 image the guest writes through smolvm and
# the host reads back with debugfs, and a raw scratch disk for the durability test.
rm -f "$OUT/ext4.img" "$OUT/raw.img"
truncate -s 64M "$OUT/ext4.img" "$OUT/raw.img"
mkfs.ext4 -q -F "$OUT/ext4.img"
disks=(--module virtio_blk --module virtio_pci
	--qemu-arg "-drive" --qemu-arg "file=$OUT/ext4.img,if=virtio,format=raw"
	--qemu-arg "-drive" --qemu-arg "file=$OUT/raw.img,if=virtio,format=raw")

# tun: the virtio-net tests give smolvm a tap interface in L1.
net=(--module tun)

status=0
tests/harness/x86_64/run-l1.sh --script tests/harness/x86_64/linux-tests.sh "${files[@]}" \
	"${disks[@]}" "${net[@]}" --mem 2G --timeout "${HARNESS_TIMEOUT:-1500}" --log "$OUT/x86_64.log" \
	>/dev/null || status=$?

# What the guest wrote through virtio-blk, read by e2fsprogs on the host.
if grep -q "TEST-RESULT minimal-bzImage-virtio-ext4 PASS" "$OUT/x86_64.log"; then
	greeting=$(debugfs -R "cat /greeting" "$OUT/ext4.img" 2>/dev/null)
	debugfs -R "dump /random.bin $OUT/random.bin" "$OUT/ext4.img" >/dev/null 2>&1
	want=$(debugfs -R "cat /random.md5" "$OUT/ext4.img" 2>/dev/null)
	got=$(md5sum <"$OUT/random.bin" | cut -d' ' -f1)
	if [ "$greeting" = "hello from smolvm" ] && [ -n "$want" ] && [ "$want" = "$got" ]; then
		echo "TEST-RESULT host-debugfs-reads-guest-files PASS" >>"$OUT/x86_64.log"
	else
		echo "TEST-RESULT host-debugfs-reads-guest-files FAIL greeting '$greeting', md5 $got vs $want" >>"$OUT/x86_64.log"
	fi
fi
echo "harness: L1 finished with status $status; console log in $OUT/x86_64.log"
tests/harness/report.sh "$OUT/x86_64.log"
