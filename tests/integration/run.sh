#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh SMOLVM: integration tests that really boot guests on /dev/kvm (the host's, or the
# nested L1's through scripts/with-kvm.sh), plus every bad-input path: the cases of
# tests/integration/cases.sh for x86_64. Guests come from build/guests/x86_64 and
# build/smolkernel/x86_64.
set -u
cd "$(dirname "$0")/../.." || exit 1
SMOLVM=${1:-build/smolvm}
ARCH=x86_64
G=build/guests/x86_64
K=build/smolkernel/x86_64/smolkernel.elf
. tests/integration/lib.sh
. tests/integration/cases.sh

if [ ! -x "$SMOLVM" ]; then
	echo "FAIL: $SMOLVM is not built"
	exit 1
fi

integration_cases
summary
