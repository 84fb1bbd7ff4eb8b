#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-all.sh [SMOLVM [SMOLVM_AARCH64]]: the Linux-guest tests, in the nested harness (see
# README.md), one L1 boot per architecture:
#  - x86_64: builds the L2 initramfs, gathers the guest kernels (Debian's cloud kernel; the
#    project's minimal kernel as bzImage and PVH vmlinux), boots L1 once and runs every guest
#    check in it (x86_64/linux-tests.sh). SMOLVM defaults to build/smolvm.
#  - aarch64: an arm64 L1 (aarch64/run-l1.sh) runs aarch64/l1-tests.sh: bare-tests.sh (the
#    smolkernel, the test guests, bad input, --dump-dtb) and linux-tests.sh (Debian's arm64
#    cloud Image and the minimal arm64 Image), with the static cross build SMOLVM_AARCH64
#    (default build/aarch64/smolvm). If that smolvm does not exist, a SKIP line says so and
#    the report counts it as skipped.
# HARNESS_ARCH="x86_64 aarch64" (the default) selects the runs; HARNESS_OUT (default
# build/harness) is where logs and scratch files go. The report covers both logs
# ($HARNESS_OUT/{x86_64,aarch64}.log); exit status 1 if any test failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
SMOLVM=${1:-build/smolvm}
SMOLVM_AARCH64=${2:-build/aarch64/smolvm}
HARNESS_ARCH=${HARNESS_ARCH:-x86_64 aarch64}
CACHE=${SMOLVM_CACHE:-$HOME/.cache/smolvm}
OUT=${HARNESS_OUT:-build/harness}
mkdir -p "$OUT"

# with_stall_retry LOG RUN-L1 ARGS...: runs RUN-L1 with a stall watchdog (a console silent
# for HARNESS_STALL [300] s); an L1 that stalled (status 123; QEMU idle, seen rarely) is run
# once more, its log kept as LOG.stalled. Returns RUN-L1's status.
with_stall_retry() {
	local log=$1 st=0
	shift
	"$@" --stall "${HARNESS_STALL:-300}" --log "$log" >/dev/null || st=$?
	if [ "$st" = 123 ]; then
		mv "$log" "$log.stalled"
		echo "harness: L1 stalled (console silent; log in $log.stalled): running it once more"
		st=0
		"$@" --stall "${HARNESS_STALL:-300}" --log "$log" >/dev/null || st=$?
	fi
	return "$st"
}

run_x86_64() {
	local files debian minimal disks net greeting want got
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

	local status=0
	with_stall_retry "$OUT/x86_64.log" tests/harness/x86_64/run-l1.sh \
		--script tests/harness/x86_64/linux-tests.sh "${files[@]}" "${disks[@]}" "${net[@]}" \
		--mem 2G --timeout "${HARNESS_TIMEOUT:-1500}" || status=$?

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
	echo "harness: x86_64 L1 finished with status $status; console log in $OUT/x86_64.log"
}

run_aarch64() {
	local log="$OUT/aarch64.log" status=0 files=() f x86elf debian minimal
	if [ ! -x "$SMOLVM_AARCH64" ]; then
		echo "######## SKIP: aarch64 harness NOT RUN: $SMOLVM_AARCH64 does not exist (make ARCH=aarch64 smolvm) ########"
		echo "TEST-RESULT aarch64-harness SKIP $SMOLVM_AARCH64 does not exist" >"$log"
		return
	fi
	files=(--file "$SMOLVM_AARCH64:/bin/smolvm")
	# bare-tests.sh: the smolkernel, the test guests and an x86_64 ELF (refused on aarch64).
	# Missing ones fail their tests there (make guests builds them).
	for f in build/smolkernel/aarch64/smolkernel.bin build/smolkernel/aarch64/smolkernel.elf; do
		[ ! -f "$f" ] || files+=(--file "$f:/l2/")
	done
	for f in build/guests/aarch64/*.elf; do
		[ ! -f "$f" ] || files+=(--file "$f:/l2/guests/")
	done
	x86elf=""
	for f in build/smolkernel/x86_64/smolkernel.elf build/guests/x86_64/*.elf; do
		[ -f "$f" ] && x86elf=$f && break
	done
	[ -z "$x86elf" ] || files+=(--file "$x86elf:/l2/x86.elf")
	files+=(--file tests/harness/aarch64/bare-tests.sh:/harness/bare-tests.sh)
	# Its cases, written once for both architectures (tests/integration/cases.sh).
	files+=(--file tests/integration/lib.sh:/harness/integration/)
	files+=(--file tests/integration/cases.sh:/harness/integration/)
	files+=(--file tests/harness/aarch64/linux-tests.sh:/harness/linux-tests.sh)

	# linux-tests.sh: the guest kernels and the L2 initramfs (arm64 busybox).
	debian=$(scripts/fetch-debian-kernel.sh --print-vmlinuz arm64 | tail -n 1)
	files+=(--file "$debian:/l2/kernels/debian.Image")
	# The same kernel gzip'ed, as distributions ship Image.gz (Debian's is uncompressed).
	if [ ! -s "$OUT/debian.Image.gz" ] || [ "$debian" -nt "$OUT/debian.Image.gz" ]; then
		gzip -c -6 "$debian" >"$OUT/debian.Image.gz"
	fi
	files+=(--file "$OUT/debian.Image.gz:/l2/kernels/debian.Image.gz")
	if [ "${SMOLVM_SKIP_MINIMAL_KERNEL:-0}" != 1 ]; then
		minimal=$(kernels/linux/build.sh --arch aarch64 | tail -n 1)
		files+=(--file "$minimal/Image:/l2/kernels/minimal.Image")
	else
		echo "NOTE: SMOLVM_SKIP_MINIMAL_KERNEL=1: the project's minimal arm64 kernel is not tested"
	fi
	tests/harness/mkinitramfs.sh --arch aarch64 --out "$OUT/l2-initrd-aarch64.cpio.gz" \
		--init tests/harness/l2-init.sh
	files+=(--file "$OUT/l2-initrd-aarch64.cpio.gz:/l2/initrd")

	with_stall_retry "$log" tests/harness/aarch64/run-l1.sh \
		--script tests/harness/aarch64/l1-tests.sh "${files[@]}" \
		--timeout "${HARNESS_TIMEOUT_AARCH64:-900}" || status=$?

	# The device tree of bare-tests.sh's dump-dtb (-c 2, -p "console=ttyAMA0 hello=dtb"),
	# printed by L1 as od hex between DTB-BEGIN and DTB-END: decompiled by dtc here.
	if grep -q "TEST-RESULT dump-dtb PASS" "$log"; then
		local dtb="$OUT/aarch64.dtb" dts="$OUT/aarch64.dts" hex size why="" c
		hex=$(sed -n '/DTB-BEGIN/,/DTB-END/p' "$log" | grep -E '^( [0-9a-f]{2})+$' | tr -d ' \n')
		printf '%s' "$hex" | sed 's/../\\x&/g' | xargs -0 printf '%b' >"$dtb"
		# The header's totalsize (big-endian, bytes 4-7) against what came through.
		size=$(od -An -j4 -N4 -tu1 "$dtb" | awk '{ print (($1 * 256 + $2) * 256 + $3) * 256 + $4 }')
		if [ -z "$hex" ] || [ "$size" != "$(stat -c %s "$dtb")" ]; then
			why="the blob did not come through the console intact ($(stat -c %s "$dtb") bytes, header says '$size')"
		elif ! dtc -q -I dtb -O dts -o "$dts" "$dtb" 2>"$OUT/aarch64.dtc.err"; then
			why="dtc cannot read it: $(head -n 3 "$OUT/aarch64.dtc.err" | tr '\n' ' ')"
		else
			# What Linux needs from it. (dtc prints a string list as "a", "b" or as "a\0b".)
			for c in '"arm,pl011' '"arm,armv8-timer' '"arm,psci' 'method = "hvc"' \
				'device_type = "memory"' 'bootargs = "console=ttyAMA0 hello=dtb'; do
				grep -q -F "$c" "$dts" || why="${why:+$why; }no '$c'"
			done
			grep -q -E '"arm,gic-v3|"arm,cortex-a15-gic' "$dts" || why="${why:+$why; }no GIC node"
			[ "$(grep -c 'device_type = "cpu"' "$dts")" = 2 ] ||
				why="${why:+$why; }$(grep -c 'device_type = "cpu"' "$dts") cpu nodes for -c 2"
		fi
		if [ -z "$why" ]; then
			echo "TEST-RESULT host-dtc-reads-dtb PASS" >>"$log"
		else
			echo "TEST-RESULT host-dtc-reads-dtb FAIL $why (blob: $dtb)" >>"$log"
		fi
	fi
	echo "harness: aarch64 L1 finished with status $status; console log in $log"
}

ran=()
for arch in $HARNESS_ARCH; do
	case $arch in
	x86_64) run_x86_64; ran+=(x86_64) ;;
	aarch64) run_aarch64; ran+=(aarch64) ;;
	*) echo "run-all: unknown HARNESS_ARCH entry '$arch' (x86_64, aarch64)" >&2; exit 2 ;;
	esac
done

# The report: per architecture, then the total.
rc=0 np=0 nf=0 ns=0
for arch in "${ran[@]}"; do
	echo "==== $arch ($OUT/$arch.log)"
	tests/harness/report.sh "$OUT/$arch.log" | tee "$OUT/$arch.report" || rc=1
	read -r p f s < <(tail -n 1 "$OUT/$arch.report" |
		sed -E 's/^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$/\1 \2 \4/')
	np=$((np + ${p:-0})) nf=$((nf + ${f:-0})) ns=$((ns + ${s:-0}))
done
echo "==== harness total (${ran[*]}): $np passed, $nf failed, $ns skipped"
exit "$rc"
