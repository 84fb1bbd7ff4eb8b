#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# in-l1.sh [options] [--] CMD [ARGS...]
#
# Runs a host command inside the nested x86_64 L1 (QEMU TCG with emulated AMD SVM, so L1
# has a /dev/kvm), for hosts without a usable /dev/kvm. L1 runs Debian's generic kernel
# (it has 9p), mounts the host's root file system read-only over virtio-9p and runs CMD
# chrooted there with bash, in the current directory, stdin from /dev/null, with a clean
# environment (PATH, HOME=/root, LANG=C.UTF-8, TERM=dumb, and the --env variables).
# /tmp, /run, /var/tmp are tmpfs in L1; write results to a --rw directory.
#
#   --rw DIR          make host directory DIR writable in L1 (repeatable; created if missing)
#   --env NAME        pass the host's environment variable NAME (repeatable)
#   --timeout SECS    stop L1 after SECS seconds (default 1800)
#   --mem SIZE        L1 memory, QEMU syntax (default 2G)
#   --smp N           L1 vCPUs (default 1)
#   --module NAME     extra L1 kernel module (repeatable; tun for tap devices)
#   --log FILE        keep L1's whole console log in FILE (default: a temporary file)
#   --verbose         show L1's whole console and the harness timings, not only CMD's output
#
# CMD's output (stdout and stderr, merged: both reach the host through L1's serial console)
# is printed as it comes. Exit status: CMD's; 124 L1 timed out; 125 L1 had no /dev/kvm;
# 126 L1 ended without reporting; 1/2 errors of this script (messages start with 'in-l1:').
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
harness="$(dirname "$here")"
repo="$(dirname "$(dirname "$harness")")"

die() { echo "in-l1: error: $*" >&2; exit 1; }
usage() {
	awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
	exit 2
}

rw_dirs=() envs=() extra=() timeout=1800 mem=2G smp=1 log="" verbose=0
while [ $# -gt 0 ]; do
	case "$1" in
	--rw) [ $# -ge 2 ] || usage; rw_dirs+=("$2"); shift 2 ;;
	--env) [ $# -ge 2 ] || usage; envs+=("$2"); shift 2 ;;
	--timeout) [ $# -ge 2 ] || usage; timeout="$2"; shift 2 ;;
	--mem) [ $# -ge 2 ] || usage; mem="$2"; shift 2 ;;
	--smp) [ $# -ge 2 ] || usage; smp="$2"; shift 2 ;;
	--module) [ $# -ge 2 ] || usage; extra+=(--module "$2"); shift 2 ;;
	--log) [ $# -ge 2 ] || usage; log="$2"; shift 2 ;;
	--verbose) verbose=1; shift ;;
	-h | --help) usage ;;
	--) shift; break ;;
	-*) echo "in-l1: error: unknown option '$1'" >&2; usage ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "in-l1: error: no command given" >&2; usage; }

work="$(mktemp -d "${TMPDIR:-/tmp}/smolvm-in-l1.XXXXXX")"
trap 'rm -rf "$work"' EXIT
if ! kdir="$("$repo/scripts/fetch-debian-kernel.sh" --cached --flavour generic amd64 2>"$work/fetch.err" |
	tail -n 1)" || [ ! -d "$kdir" ]; then
	cat "$work/fetch.err" >&2
	die "cannot get Debian's generic amd64 kernel for L1"
fi
[ -n "$log" ] || log="$(mktemp "${TMPDIR:-/tmp}/smolvm-in-l1-console.XXXXXX.log")"

# The command, run by the host's bash in the chroot.
{
	printf 'cd %q || exit 126\n' "$(pwd -P)"
	for name in ${envs[@]+"${envs[@]}"}; do
		[ -z "${!name+set}" ] || printf 'export %s=%q\n' "$name" "${!name}"
	done
	printf 'exec'
	printf ' %q' "$@"
	printf '\n'
} >"$work/cmd.sh"

# Host directories shared on top of the root, in mount order (see l1-hostroot.sh).
: >"$work/shares"
qemu_args=(--qemu-arg -virtfs
	--qemu-arg "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap")
i=0
share() { # share DIR [,readonly=on]
	echo "$1" >>"$work/shares"
	qemu_args+=(--qemu-arg -virtfs
		--qemu-arg "local,path=$1,mount_tag=share$i,security_model=none,multidevs=remap$2")
	i=$((i + 1))
}
# L1 puts empty tmpfs on /tmp, /run, /var/tmp, /dev/shm: a current directory there (a
# clone in a mktemp directory) comes through as a read-only share of its own.
cwd="$(pwd -P)"
case "$cwd/" in
/tmp/* | /run/* | /var/tmp/* | /dev/shm/*) share "$cwd" ,readonly=on ;;
esac
for dir in ${rw_dirs[@]+"${rw_dirs[@]}"}; do
	mkdir -p "$dir" || die "cannot create '$dir'"
	share "$(cd "$dir" && pwd -P)" ""
done

cat >"$work/test.sh" <<'EOF'
. /harness/l1-hostroot.sh
hostroot_mount || exit 1
cp /harness/cmd.sh /host/tmp/.in-l1-cmd.sh
echo "IN-L1: BEGIN"
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	LANG=C.UTF-8 TERM=dumb chroot /host /bin/bash /tmp/.in-l1-cmd.sh </dev/null
rc=$?
echo "IN-L1: END $rc"
hostroot_umount
exit $rc
EOF

run_l1=("$here/run-l1.sh" --script "$work/test.sh" --kernel-dir "$kdir"
	--file "$harness/l1-hostroot.sh:/harness/l1-hostroot.sh" --file "$work/cmd.sh:/harness/cmd.sh"
	--file "$work/shares:/harness/shares"
	--module virtio_pci --module 9pnet_virtio --module 9p ${extra[@]+"${extra[@]}"}
	--mem "$mem" --smp "$smp" --timeout "$timeout" --log "$log" --append "loglevel=3"
	"${qemu_args[@]}")

rc=0
if [ "$verbose" = 1 ]; then
	"${run_l1[@]}" || rc=$?
else
	# Only what the command printed: the lines between the BEGIN and END markers.
	set +e
	"${run_l1[@]}" 2>"$work/run-l1.err" |
		awk '/IN-L1: END [0-9]+/ { on = 0 } on { print; fflush() } /IN-L1: BEGIN/ { on = 1 }'
	rc=${PIPESTATUS[0]}
	set -e
fi
# The command's own status when it ran to the end; else what run-l1.sh says went wrong.
if grep -q 'IN-L1: END [0-9]' "$log" 2>/dev/null; then
	exit "$rc"
fi
case $rc in
124) echo "in-l1: error: L1 timed out after $timeout s (console log: $log)" >&2 ;;
125) echo "in-l1: error: L1 has no /dev/kvm (QEMU's emulated SVM did not work; console log: $log)" >&2 ;;
126) echo "in-l1: error: L1 ended without reporting (console log: $log)" >&2 ;;
esac
if [ "$rc" -ne 0 ] && [ "$verbose" = 0 ] && ! grep -q 'IN-L1: BEGIN' "$log" 2>/dev/null; then
	echo "in-l1: L1 did not start the command; the end of its console:" >&2
	tail -n 20 "$log" >&2 2>/dev/null || true
	cat "$work/run-l1.err" >&2 2>/dev/null || true
fi
exit "$rc"
