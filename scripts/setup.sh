#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# setup.sh: installs everything smolvm's build, tests and benchmarks need on Debian 12.
# Only missing packages are installed; safe to run again.
#
# On an x86_64 host it also sets up the aarch64 cross build and the aarch64 nested harness:
# the arm64 dpkg architecture (for the :arm64 libraries smolvm links statically), the cross
# compiler, qemu-system-aarch64, qemu-user-static and dtc.
set -euo pipefail

native=$(dpkg --print-architecture)
PACKAGES=(
	build-essential pkg-config python3
	# libraries smolvm links (libfdt only for aarch64 builds: it cannot be installed for two
	# architectures at once)
	"libcapstone-dev:$native" "zlib1g-dev:$native" "libseccomp-dev:$native"
	util-linux time                       # unshare/setpriv for tests, /usr/bin/time for bench
	qemu-system-x86 busybox-static cpio   # nested harness and the QEMU side of benchmarks
	hyperfine clang-format e2fsprogs acpica-tools # e2fsprogs: harness disk checks; iasl: ACPI test
	qemu-system-arm device-tree-compiler  # aarch64 nested harness; dtc checks --dump-dtb output
	# make fuzz: clang with libFuzzer/ASan/UBSan runtimes, llvm-profdata/llvm-cov for
	# fuzz-coverage, and the host's libfdt runtime for the --dtb target (headers come with
	# libfdt-dev, :arm64 on an x86_64 host)
	clang libclang-rt-14-dev llvm "libfdt1:$native"
)
FOREIGN=()
if [ "$native" = arm64 ]; then
	PACKAGES+=(libfdt-dev:arm64)
else
	# Cross build for aarch64 (build/aarch64/), static against Debian's arm64 libraries;
	# qemu-user-static lists the arm64 busybox's applets for the harness initramfs.
	FOREIGN=(arm64)
	PACKAGES+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static
		libcapstone-dev:arm64 libfdt-dev:arm64 zlib1g-dev:arm64 libseccomp-dev:arm64)
fi

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: all packages present"
	exit 0
fi
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
for a in ${FOREIGN[@]+"${FOREIGN[@]}"}; do
	if ! dpkg --print-foreign-architectures | grep -qx "$a"; then
		echo "setup: adding the $a dpkg architecture"
		$SUDO dpkg --add-architecture "$a"
	fi
done
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
