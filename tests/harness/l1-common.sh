# shellcheck shell=bash
# l1-common.sh: the parts of x86_64/run-l1.sh and aarch64/run-l1.sh that do not depend on
# the architecture, sourced by both (bash). A run-l1.sh script does:
#
#   . "$harness/l1-common.sh"
#   l1_parse_args "$@"            # options -> globals (script, timeout, files[], ...)
#   ... find the L1 kernel, set kdir ...
#   l1_setup                      # work dir, log file, cleanup trap
#   l1_write_init "$work/init" WHO <<'EOF'           # /init, see below
#   ...shell code run in L1 when it has no /dev/kvm...
#   EOF
#   l1_build_initramfs --kmods ... --module ...       # extra mkinitramfs args
#   qemu=(qemu-system-... -initrd "$work/l1.cpio" ...)
#   l1_run                        # boots, streams the console, exits with the status
#
# The usage text is the calling script's header comment (lines starting with '#' up to
# the first other line).
#
# Variables are shared with the sourcing script both ways (options out; harness, work,
# qemu in):
# shellcheck disable=SC2034,SC2154

prog=run-l1
die() { echo "$prog: error: $*" >&2; exit 1; }
info() { echo "$prog: $*" >&2; }
usage() {
	awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
	exit 2
}

need_tool() { # need_tool TOOL PACKAGE
	command -v "$1" >/dev/null 2>&1 && return 0
	info "installing $2 (for $1)"
	apt-get install -y "$2" >&2 || die "could not install $2 (provides $1)"
}

# l1_parse_args "$@": the options every run-l1.sh takes (see x86_64/run-l1.sh).
l1_parse_args() {
	compress=none script="" timeout=600 stall=0 log="" mem=1G smp=1 kdir="" append="" keep_initramfs=""
	files=() modules=() qemu_extra=()
	while [ $# -gt 0 ]; do
		case "$1" in
		--script) [ $# -ge 2 ] || usage; script="$2"; shift 2 ;;
		--file) [ $# -ge 2 ] || usage; files+=(--file "$2"); shift 2 ;;
		--timeout) [ $# -ge 2 ] || usage; timeout="$2"; shift 2 ;;
		--stall) [ $# -ge 2 ] || usage; stall="$2"; shift 2 ;;
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
	if ! [[ "$stall" =~ ^[0-9]+$ ]] || { [ "$stall" -gt 0 ] && [ "$stall" -lt 40 ]; }; then
		die "--stall must be 0 (off) or at least 40 seconds"
	fi
	t_start="${EPOCHREALTIME/,/.}"
}

# l1_setup: the work directory (removed at exit) and the console log.
l1_setup() {
	work="$(mktemp -d "${TMPDIR:-/tmp}/smolvm-l1.XXXXXX")"
	# shellcheck disable=SC2317 # called by the EXIT trap
	l1_cleanup() { rm -rf "$work"; }
	trap l1_cleanup EXIT
	if [ -z "$log" ]; then
		log="$(mktemp "${TMPDIR:-/tmp}/smolvm-l1-console.XXXXXX.log")"
	fi
	mkdir -p "$(dirname "$log")"
	: >"$log"
}

# l1_write_init FILE WHO <DIAGNOSTICS: L1's /init. It mounts proc, sysfs and devtmpfs,
# insmods /etc/modules-load, and if there is no /dev/kvm prints 'HARNESS: no /dev/kvm in
# L1', runs the shell code read from stdin (why not?) and powers off; else prints 'HARNESS: L1
# ready', runs /harness/test.sh, prints 'HARNESS: script exit N' and powers off. WHO names
# the writer in a comment.
l1_write_init() {
	{
		cat <<'EOF'
#!/bin/sh
EOF
		echo "# L1 init, written by $2 (through tests/harness/l1-common.sh)"
		cat <<'EOF'
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
/bin/busybox --install -s 2>/dev/null
# On x86 the UART reset at kernel start eats the end of SeaBIOS's last line:
# start on a fresh line so HARNESS lines stand alone.
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
# With run-l1's --stall, a heartbeat keeps the console from going silent while L1 lives.
if [ -f /etc/heartbeat ]; then
	(while sleep "$(cat /etc/heartbeat)"; do echo "HARNESS: heartbeat"; done) &
fi
for m in $(cat /etc/modules-load 2>/dev/null); do
	insmod "/lib/modules/$m.ko" || echo "HARNESS: insmod $m failed"
done
if [ ! -c /dev/kvm ]; then
	echo "HARNESS: no /dev/kvm in L1"
EOF
		cat
		cat <<'EOF'
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
	} >"$1"
}

# l1_build_initramfs [MKINITRAMFS ARGS...]: $work/l1.cpio with the init, the test script,
# lib.sh, the --file's and --module's, plus the given arguments (kernel modules, --arch).
l1_build_initramfs() {
	info "building L1 initramfs"
	if [ "$stall" -gt 0 ]; then
		echo $((stall / 4)) >"$work/heartbeat"
		set -- "$@" --file "$work/heartbeat:/etc/heartbeat"
	fi
	"$harness/mkinitramfs.sh" --out "$work/l1.cpio" --init "$work/init" --compress "$compress" \
		--file "$script:/harness/test.sh" --file "$harness/lib.sh:/harness/lib.sh" \
		${files[@]+"${files[@]}"} "$@" ||
		die "building the L1 initramfs failed"
	if [ -n "$keep_initramfs" ]; then
		cp "$work/l1.cpio" "$keep_initramfs"
	fi
}

# l1_run: runs "${qemu[@]}" under the timeout, streams its console to stdout and the log,
# reports timings and exits with run-l1's status (see x86_64/run-l1.sh). Does not return.
# With --stall SECS, a console silent for SECS (L1 prints a heartbeat every SECS/4) means
# L1 stalled: QEMU is stopped and the status is 123 (seen rarely: QEMU idle at 0% CPU, L1's
# own timeouts never fire), so that the caller can try once more.
l1_run() {
	info "console log: $log"
	info "$(printf "%q " "${qemu[@]}")"

	local t_qemu t_ready="" t_end esc line tpid qst rc
	t_qemu="${EPOCHREALTIME/,/.}"
	# Stream the console: strip CRs and terminal escape sequences (SeaBIOS clears the
	# screen), drop TCG's "doesn't support requested feature" warnings for CPU features it
	# cannot emulate (they are masked from L1 anyway), copy to the log and stdout, and
	# note when L1 reports ready. QEMU's stdin is /dev/null so a terminal is left alone.
	# QEMU runs in the background so that an interrupt of this script can stop it.
	esc=$'\e'
	mkfifo "$work/console"
	# --foreground: stay in our process group so Ctrl-C reaches QEMU too.
	timeout --foreground -k 10 "$timeout" "${qemu[@]}" </dev/null >"$work/console" 2>&1 &
	tpid=$!
	local wpid=""
	if [ "$stall" -gt 0 ]; then
		(
			while sleep 5 && kill -0 "$tpid" 2>/dev/null; do
				if [ $(($(date +%s) - $(stat -c %Y "$log"))) -gt "$stall" ]; then
					: >"$work/stalled"
					kill "$tpid" 2>/dev/null
					break
				fi
			done
		) &
		wpid=$!
	fi
	# shellcheck disable=SC2064 # expand tpid now
	trap "kill $tpid $wpid 2>/dev/null; info interrupted; exit 130" INT TERM HUP
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
	[ -z "$wpid" ] || kill "$wpid" 2>/dev/null || true
	trap - INT TERM HUP
	t_end="${EPOCHREALTIME/,/.}"

	elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
	if [ -n "$t_ready" ]; then
		info "L1 ready after $(elapsed "$t_qemu" "$t_ready") s (QEMU start to 'HARNESS: L1 ready')"
	fi
	info "total $(elapsed "$t_start" "$t_end") s (QEMU ran $(elapsed "$t_qemu" "$t_end") s)"

	if [ -f "$work/stalled" ]; then
		msg="HARNESS: STALL: console silent for over $stall s: QEMU stopped"
		echo "$msg" >>"$log"
		echo "$msg"
		info "L1 stalled (no console output for $stall s)"
		exit 123
	fi
	if [ "$qst" -eq 124 ] || [ "$qst" -eq 137 ]; then
		msg="HARNESS: TIMEOUT after $timeout s: QEMU killed"
		echo "$msg" >>"$log"
		echo "$msg"
		info "timed out after $timeout s"
		exit 124
	fi
	if [ "$qst" -ne 0 ]; then
		info "${qemu[0]} exited with status $qst"
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
}
