#!/usr/bin/env bash
# run-l1.sh --script TESTSCRIPT [options]
#
# Boots the Debian cloud kernel (L1) under QEMU TCG with emulated AMD SVM and
# nested paging, loads kvm-amd so L1 has /dev/kvm, and runs TESTSCRIPT with
# busybox sh inside L1.  The console is streamed to stdout and to the log.
#
#   --script FILE       test script run in L1 as 'sh /harness/test.sh' (required);
#                       it can '. /harness/lib.sh' for t_begin/t_pass/t_fail
#   --file SRC:DEST     put SRC (file or dir) at DEST in L1's initramfs (repeatable;
#                       binaries must be static)
#   --timeout SECS      kill QEMU after SECS seconds (default 600)
#   --stall SECS        stall watchdog: L1 prints a heartbeat every SECS/4 s, and a console
#                       silent for SECS s stops QEMU with status 123 (default 0: off)
#   --log FILE          console log (default: a new file under ${TMPDIR:-/tmp})
#   --mem SIZE          L1 memory, QEMU syntax (default 1G)
#   --smp N             L1 vCPUs (default 1)
#   --module NAME       extra kernel module for L1, with dependencies (repeatable)
#   --kernel-dir DIR    L1 kernel tree (default: scripts/fetch-debian-kernel.sh amd64)
#   --append ARGS       extra L1 kernel command line
#   --initramfs FILE    keep the built L1 initramfs at FILE
#   --compress gzip|none  L1 initramfs compression (default none: faster overall,
#                       the payloads (kernels, initramfs) are compressed already)
#   --qemu-arg ARG      extra QEMU argument (repeatable), e.g. --qemu-arg -virtfs ...
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
need_tool qemu-system-x86_64 qemu-system-x86
need_tool timeout coreutils

if [ -z "$kdir" ]; then
	kdir="$("$repo/scripts/fetch-debian-kernel.sh" --cached amd64 | tail -n 1)" ||
		die "fetching the L1 kernel failed"
fi
vmlinuz=""
for f in "$kdir"/boot/vmlinuz-*; do [ -f "$f" ] && vmlinuz="$f" && break; done
[ -n "$vmlinuz" ] || die "no boot/vmlinuz-* in '$kdir'"

l1_setup
l1_write_init "$work/init" tests/harness/x86_64/run-l1.sh <<'EOF'
	echo "HARNESS: cpu flags svm/npt: $(grep -o -w -E 'svm|npt' /proc/cpuinfo | sort -u | tr '\n' ' ')"
	dmesg | grep -i -E 'kvm|svm' | tail -n 20
EOF
l1_build_initramfs --kmods "$kdir" --module irqbypass --module kvm --module kvm_amd \
	${modules[@]+"${modules[@]}"}

cmdline="console=ttyS0 panic=-1 quiet${append:+ $append}"
# shellcheck disable=SC2054 # commas are QEMU's
qemu=(qemu-system-x86_64 -M pc,accel=tcg -cpu EPYC,+svm,+npt -smp "$smp" -m "$mem"
	-nographic -no-reboot -kernel "$vmlinuz" -initrd "$work/l1.cpio"
	-append "$cmdline" -net none -vga none ${qemu_extra[@]+"${qemu_extra[@]}"})
l1_run
