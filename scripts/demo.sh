#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# demo.sh [SMOLVM] [ARCH]: what `make demo` shows: the built-in guest, then the smolkernel
# (its CPU register report). Exit status 0 when both guests did what they should.
set -u
cd "$(dirname "$0")/.."
SMOLVM=${1:-build/smolvm}
ARCH=${2:-$(uname -m)}

echo "==> $SMOLVM   (the built-in guest)"
"$SMOLVM" || { echo "demo: the built-in guest failed (status $?)" >&2; exit 1; }
if [ "$ARCH" = aarch64 ]; then
	kernel=build/smolkernel/aarch64/smolkernel.bin want=0
else
	# The x86_64 smolkernel ends through the debug-exit port with 0x10: status 33.
	kernel=build/smolkernel/x86_64/smolkernel.elf want=33
fi
echo "==> $SMOLVM $kernel   (the smolkernel: CPU registers)"
"$SMOLVM" "$kernel"
status=$?
if [ "$status" != "$want" ]; then
	echo "demo: the smolkernel ended with status $status, expected $want" >&2
	exit 1
fi
echo "==> demo: both guests ran"
