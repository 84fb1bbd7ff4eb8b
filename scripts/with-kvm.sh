#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# with-kvm.sh [options] [--] CMD [ARGS...]
#
# Runs CMD where KVM is: on this host when it has a usable /dev/kvm, otherwise inside the
# nested x86_64 L1 of the test harness (QEMU software emulation with emulated AMD SVM, whose
# kernel offers /dev/kvm; CMD runs there on the host's files, see
# tests/harness/x86_64/in-l1.sh), after one line saying so. Exit status: CMD's.
#
#   --or-host        if neither is possible, run CMD on this host anyway (it must skip its
#                    guest tests loudly); without it that case is an error (status 3)
#   --rw DIR, --env NAME, --mem SIZE, --module NAME, --timeout SECS
#                    passed to in-l1.sh when CMD runs in L1
#
# SMOLVM_IN_L1=1 runs CMD in L1 even on a host with /dev/kvm; SMOLVM_IN_L1=0 never uses L1.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

or_host=0 l1_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--or-host) or_host=1; shift ;;
	--rw | --env | --mem | --module | --timeout)
		[ $# -ge 2 ] || { echo "with-kvm: error: $1 needs a value" >&2; exit 2; }
		l1_args+=("$1" "$2"); shift 2 ;;
	--) shift; break ;;
	-*) echo "with-kvm: error: unknown option '$1'" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "with-kvm: error: no command given" >&2; exit 2; }

kvm_usable() { [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; }

# Why the nested L1 cannot run here (empty: it can).
l1_unavailable() {
	[ "$(uname -m)" = x86_64 ] || { echo "the nested harness needs an x86_64 host"; return; }
	command -v qemu-system-x86_64 >/dev/null 2>&1 ||
		{ echo "qemu-system-x86_64 is not installed (scripts/setup.sh installs it)"; return; }
	"$root/scripts/fetch-debian-kernel.sh" --cached --flavour generic amd64 >/dev/null 2>&1 ||
		echo "Debian's generic amd64 kernel for L1 cannot be fetched (apt-get download linux-image-amd64)"
}

mode=${SMOLVM_IN_L1:-auto}
if [ "$mode" = 0 ] || { [ "$mode" != 1 ] && kvm_usable; }; then
	exec "$@"
fi
why_not=$(l1_unavailable)
if [ -z "$why_not" ]; then
	if kvm_usable; then
		echo "with-kvm: SMOLVM_IN_L1=1: running '$*' inside the nested x86_64 L1" >&2
	else
		echo "with-kvm: this host has no usable /dev/kvm: running '$*' inside the nested x86_64 L1 (QEMU with emulated SVM; slower)" >&2
	fi
	exec "$root/tests/harness/x86_64/in-l1.sh" ${l1_args[@]+"${l1_args[@]}"} -- "$@"
fi
if [ "$or_host" = 1 ]; then
	echo "######## with-kvm: no usable /dev/kvm and no nested L1 ($why_not): running '$*' on this host; its guest tests will be SKIPPED ########" >&2
	exec "$@"
fi
echo "with-kvm: error: no usable /dev/kvm on this host, and the nested L1 cannot run: $why_not" >&2
exit 3
