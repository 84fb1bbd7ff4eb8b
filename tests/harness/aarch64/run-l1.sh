#!/usr/bin/env bash
# run-l1.sh --script TESTSCRIPT [options]          (aarch64 harness)
#
# Boots the Debian arm64 cloud kernel (L1; KVM is built in) under
# qemu-system-aarch64 TCG with emulated EL2 (-M virt,virtualization=on), so L1
# has /dev/kvm, and runs TESTSCRIPT with an arm64 busybox sh inside L1. The
# console (ttyAMA0) is streamed to stdout and to the log.
#
#   --script FILE       test script run in L1 as 'sh /harness/test.sh' (required);
#                       it can '. /harness/lib.sh' for t_begin/t_pass/t_fail
#   --file SRC:DEST     put SRC (file or dir) at DEST in L1's initramfs (repeatable;
#                       binaries must be static aarch64 ones)
#   --timeout SECS      kill QEMU after SECS seconds (default 600)
#   --stall SECS        stall watchdog: L1 prints a heartbeat every SECS/4 s, and a console
#                       silent for SECS s stops QEMU with status 123 (default 0: off)
#   --log FILE          console log (default: a new file under ${TMPDIR:-/tmp})
#   --mem SIZE          L1 memory, QEMU syntax (default 1G)
#   --smp N             L1 vCPUs (default 1; 2 gains nothing under TCG)
#   --module NAME       kernel module for L1, with dependencies (repeatable)
#   --kernel-dir DIR    L1 kernel tree (default: scripts/fetch-debian-kernel.sh arm64)
#   --append ARGS       extra L1 kernel command line
#   --initramfs FILE    keep the built L1 initramfs at FILE
#   --compress gzip|none  L1 initramfs compression (default none)
#   --qemu-arg ARG      extra QEMU argument (repeatable), e.g. --qemu-arg -drive ...
#
# Exit status: the test script's exit status, parsed from the console line
# 'HARNESS: script exit N'; 123 if L1 stalled (--stall); 124 if the timeout hit;
# 125 if L1 had no /dev/kvm;
# 126 if L1 stopped without reporting (kernel panic, init crash); 1 or 2 for
# errors of this script itself (messages start with 'run-l1: error:').
# Timings go to stderr: 'run-l1: L1 ready after X s', 'run-l1: total X s'.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
harness="$(dirname "$here")"
repo="$(dirname "$(dirname "$harness")")"
# shellcheck source=tests/harness/l1-common.sh
. "$harness/l1-common.sh"

l1_parse_args "$@"
need_tool qemu-system-aarch64 qemu-system-arm
need_tool timeout coreutils

if [ -z "$kdir" ]; then
	kdir="$("$repo/scripts/fetch-debian-kernel.sh" --cached arm64 | tail -n 1)" ||
		die "fetching the L1 kernel failed"
fi
# Debian's arm64 "vmlinuz" is an uncompressed Image.
image=""
for f in "$kdir"/boot/vmlinuz-*; do [ -f "$f" ] && image="$f" && break; done
[ -n "$image" ] || die "no boot/vmlinuz-* in '$kdir'"

l1_setup
l1_write_init "$work/init" tests/harness/aarch64/run-l1.sh <<'EOF'
	echo "HARNESS: $(grep -m 1 -E 'CPU implementer|CPU part' /proc/cpuinfo)"
	dmesg | grep -i -E 'kvm|hyp|el2' | tail -n 20
EOF
kmod_args=()
[ ${#modules[@]} -eq 0 ] || kmod_args=(--kmods "$kdir" "${modules[@]}")
l1_build_initramfs --arch aarch64 ${kmod_args[@]+"${kmod_args[@]}"}

cmdline="console=ttyAMA0 panic=-1 quiet${append:+ $append}"
# virtualization=on: emulated EL2, so L1's KVM has hyp mode; gic-version=3: KVM in L1
# then offers a GICv3. pauth=off: pointer-auth emulation makes TCG 3-4x slower.
# shellcheck disable=SC2054 # commas are QEMU's
qemu=(qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu max,pauth=off
	-smp "$smp" -m "$mem" -nographic -no-reboot -kernel "$image" -initrd "$work/l1.cpio"
	-append "$cmdline" -net none ${qemu_extra[@]+"${qemu_extra[@]}"})
l1_run
