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
# 'HARNESS: script exit N'; 124 if the timeout hit; 125 if L1 had no /dev/kvm;
# 126 if L1 stopped without reporting (kernel panic, init crash); 1 or 2 for
# errors of this script itself (messages start with 'run-l1: error:').
# Timings go to stderr: 'run-l1: L1 ready after X s', 'run-l1: total X s'.
set -euo pipefail

prog=run-l1
die() { echo "$prog: error: $*" >&2; exit 1; }
info() { echo "$prog: $*" >&2; }
usage() {
	awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
	exit 2
}

here="$(cd "$(dirname "$0")" && pwd)"
harness="$(dirname "$here")"
repo="$(dirname "$(dirname "$harness")")"

compress=none script="" timeout=600 log="" mem=1G smp=1 kdir="" append="" keep_initramfs=""
files=() modules=() qemu_extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--script) [ $# -ge 2 ] || usage; script="$2"; shift 2 ;;
	--file) [ $# -ge 2 ] || usage; files+=(--file "$2"); shift 2 ;;
	--timeout) [ $# -ge 2 ] || usage; timeout="$2"; shift 2 ;;
	--log) [ $# -ge 2 ] || usage; log="$2"; shift 2 ;;
	--mem) [ $# -ge 2 ] || usage; mem="$2"; shift 2 ;;
	--smp) [ $# -ge 2 ] || usage; smp="$2"; shift 2 ;;
	--module) [ $# -ge 2 ] || usage; modules+=(--module "$2"); shift 2 ;;
	--kernel-dir) [ $# -ge 2 ] || usage; kdir="$2"; shift 2 ;;
	--append) [ $# -ge 2 ] || usage; append="$2"; shift 2 ;;
	--initramfs) [ $# -ge 2 ] || usage; keep_initramfs="$2"; shift 2 ;;
	--compress) [ $# -ge 2 ] || usage; compress="$2"; shift 2 ;;
	--qemu-arg) [ $# -ge 2 ] || usage; qemu_extra+=("$2"); shift 2 ;;
	-h|--help) usage ;;
	*) echo "$prog: error: unknown argument '$1'" >&2; usage ;;
	esac
done
[ -n "$script" ] || { echo "$prog: error: --script is required" >&2; usage; }
[ -f "$script" ] || die "test script '$script' not found"
if ! [[ "$timeout" =~ ^[1-9][0-9]*$ ]]; then
	die "--timeout must be a positive number of seconds"
fi

t_start="${EPOCHREALTIME/,/.}"

need_tool() { # need_tool TOOL PACKAGE
	command -v "$1" >/dev/null 2>&1 && return 0
	info "installing $2 (for $1)"
	apt-get install -y "$2" >&2 || die "could not install $2 (provides $1)"
}
need_tool qemu-system-x86_64 qemu-system-x86
need_tool timeout coreutils

if [ -z "$kdir" ]; then
	kdir="$("$repo/scripts/fetch-debian-kernel.sh" --cached amd64 | tail -n 1)" ||
		die "fetching the L1 kernel failed"
fi
vmlinuz=""
for f in "$kdir"/boot/vmlinuz-*; do [ -f "$f" ] && vmlinuz="$f" && break; done
[ -n "$vmlinuz" ] || die "no boot/vmlinuz-* in '$kdir'"

work="$(mktemp -d "${TMPDIR:-/tmp}/smolvm-l1.XXXXXX")"
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

if [ -z "$log" ]; then
	log="$(mktemp "${TMPDIR:-/tmp}/smolvm-l1-console.XXXXXX.log")"
fi
mkdir -p "$(dirname "$log")"
: >"$log"

cat >"$work/init" <<'EOF'
#!/bin/sh
# L1 init, written by tests/harness/x86_64/run-l1.sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
/bin/busybox --install -s 2>/dev/null
# The UART reset at kernel start eats the end of SeaBIOS's last line: start
# on a fresh line so HARNESS lines stand alone.
echo
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
off() {
	sync
	echo o >/proc/sysrq-trigger
	sleep 10
	poweroff -f
}
for m in $(cat /etc/modules-load 2>/dev/null); do
	insmod "/lib/modules/$m.ko" || echo "HARNESS: insmod $m failed"
done
if [ ! -c /dev/kvm ]; then
	echo "HARNESS: no /dev/kvm in L1"
	echo "HARNESS: cpu flags svm/npt: $(grep -o -w -E 'svm|npt' /proc/cpuinfo | sort -u | tr '\n' ' ')"
	dmesg | grep -i -E 'kvm|svm' | tail -n 20
	off
fi
echo "HARNESS: L1 ready"
read -r up idle </proc/uptime
echo "HARNESS: L1 uptime $up s at ready"
cd /
sh /harness/test.sh
rc=$?
echo "HARNESS: script exit $rc"
off
EOF

info "building L1 initramfs"
"$harness/mkinitramfs.sh" --out "$work/l1.cpio" --init "$work/init" --compress "$compress" \
	--file "$script:/harness/test.sh" --file "$harness/lib.sh:/harness/lib.sh" \
	${files[@]+"${files[@]}"} \
	--kmods "$kdir" --module irqbypass --module kvm --module kvm_amd \
	${modules[@]+"${modules[@]}"} ||
	die "building the L1 initramfs failed"
if [ -n "$keep_initramfs" ]; then
	cp "$work/l1.cpio" "$keep_initramfs"
fi

cmdline="console=ttyS0 panic=-1 quiet${append:+ $append}"
# shellcheck disable=SC2054 # commas are QEMU's
qemu=(qemu-system-x86_64 -M pc,accel=tcg -cpu EPYC,+svm,+npt -smp "$smp" -m "$mem"
	-nographic -no-reboot -kernel "$vmlinuz" -initrd "$work/l1.cpio"
	-append "$cmdline" -net none -vga none ${qemu_extra[@]+"${qemu_extra[@]}"})
info "console log: $log"
info "$(printf "%q " "${qemu[@]}")"

t_qemu="${EPOCHREALTIME/,/.}"
t_ready=""
# Stream the console: strip CRs and terminal escape sequences (SeaBIOS clears
# the screen), drop TCG's "doesn't support requested feature" warnings for
# EPYC features it cannot emulate (they are masked from L1 anyway), copy to the
# log and stdout, and note when L1 reports ready.  QEMU's stdin is /dev/null so
# a terminal is left alone.  QEMU runs in the background so that an interrupt
# of this script can stop it.
esc=$'\e'
mkfifo "$work/console"
# --foreground: stay in our process group so Ctrl-C reaches QEMU too.
timeout --foreground -k 10 "$timeout" "${qemu[@]}" </dev/null >"$work/console" 2>&1 &
tpid=$!
trap 'kill "$tpid" 2>/dev/null; info "interrupted"; exit 130' INT TERM HUP
while IFS= read -r line || [ -n "$line" ]; do
	line="${line//$'\r'/}"
	if [[ "$line" == *"$esc"* ]]; then
		line="$(printf '%s' "$line" | sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[a-zA-Z]//g')"
	fi
	[[ "$line" == *"TCG doesn't support requested feature"* ]] && continue
	printf '%s\n' "$line" >>"$log"
	printf '%s\n' "$line"
	if [ -z "$t_ready" ] && [[ "$line" == *"HARNESS: L1 ready"* ]]; then
		t_ready="${EPOCHREALTIME/,/.}"
	fi
done <"$work/console"
qst=0
wait "$tpid" || qst=$?
trap - INT TERM HUP
t_end="${EPOCHREALTIME/,/.}"

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
if [ -n "$t_ready" ]; then
	info "L1 ready after $(elapsed "$t_qemu" "$t_ready") s (QEMU start to 'HARNESS: L1 ready')"
fi
info "total $(elapsed "$t_start" "$t_end") s (QEMU ran $(elapsed "$t_qemu" "$t_end") s)"

if [ "$qst" -eq 124 ] || [ "$qst" -eq 137 ]; then
	msg="HARNESS: TIMEOUT after $timeout s: QEMU killed"
	echo "$msg" >>"$log"
	echo "$msg"
	info "timed out after $timeout s"
	exit 124
fi
if [ "$qst" -ne 0 ]; then
	info "qemu-system-x86_64 exited with status $qst"
fi

rc="$(sed -n 's/.*HARNESS: script exit \([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)"
if [ -n "$rc" ]; then
	info "test script exit status $rc"
	exit "$rc"
fi
if grep -q 'HARNESS: no /dev/kvm in L1' "$log"; then
	info "L1 had no /dev/kvm"
	exit 125
fi
info "L1 stopped without reporting the script's exit status (panic? see $log)"
exit 126
