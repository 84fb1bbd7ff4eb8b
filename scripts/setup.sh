#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# setup.sh: installs everything smolvm's build, tests and benchmarks need on Debian 12.
# Only missing packages are installed; safe to run again.
set -euo pipefail

PACKAGES=(
	build-essential pkg-config python3
	libcapstone-dev libfdt-dev zlib1g-dev # libraries smolvm links
	util-linux time                       # unshare/setpriv for tests, /usr/bin/time for bench
	qemu-system-x86 busybox-static cpio   # nested harness and the QEMU side of benchmarks
	hyperfine clang-format e2fsprogs acpica-tools # e2fsprogs: harness disk checks; iasl: ACPI test
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: all packages present"
	exit 0
fi
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
