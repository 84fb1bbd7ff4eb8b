#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/aarch64/qemu-root.sh -- Debian's arm64 qemu-system-aarch64 with the shared
# libraries it needs, as a small root tree for the aarch64 nested harness's L1 (an arm64
# busybox initramfs, so a dynamically linked arm64 program needs its loader and libraries
# at their usual paths).
#
#   bench/aarch64/qemu-root.sh [--print-path]
#
# 1. `apt-get download` of qemu-system-arm:arm64 (it holds qemu-system-aarch64) and its
#    recursive runtime dependencies (apt-cache depends --recurse, no recommends/suggests,
#    only real :arm64 packages) into ~/.cache/smolvm/aarch64-qemu-debs/, `dpkg -x` of each
#    into ~/.cache/smolvm/aarch64-qemu-root/ (about 170 MB).
# 2. The minimal tree ~/.cache/smolvm/aarch64-qemu-min/ (about 40 MB): usr/bin/
#    qemu-system-aarch64, the dynamic loader lib/ld-linux-aarch64.so.1 and the closure of
#    its DT_NEEDED libraries (readelf), at the paths they have in Debian. No firmware or
#    data files: the benchmark boots with -kernel, -nodefaults and -nographic.
# Copy the tree over the root of the L1 initramfs (mkinitramfs --file DIR/lib:/lib
# --file DIR/usr:/usr) and qemu-system-aarch64 runs there.
#
# Idempotent: a finished tree is marked with a stamp (the package list and versions) and
# reused. Progress on stderr; the last line on stdout is the minimal tree's directory.
# Environment: SMOLVM_CACHE (default ~/.cache/smolvm).
set -euo pipefail

die() { echo "qemu-root: error: $*" >&2; exit 1; }
log() { echo "qemu-root: $*" >&2; }

CACHE=${SMOLVM_CACHE:-$HOME/.cache/smolvm}
DEBS=$CACHE/aarch64-qemu-debs
FULL=$CACHE/aarch64-qemu-root
MIN=$CACHE/aarch64-qemu-min
PKG=qemu-system-arm:arm64

if [ "${1:-}" = --print-path ]; then
	echo "$MIN"
	exit 0
fi
[ $# -eq 0 ] || die "usage: qemu-root.sh [--print-path]"

if [ -f "$MIN/.stamp" ] && [ -x "$MIN/usr/bin/qemu-system-aarch64" ]; then
	log "up to date ($(head -n 1 "$MIN/.stamp"))"
	echo "$MIN"
	exit 0
fi

command -v readelf >/dev/null || apt-get install -y binutils >&2 || die "no readelf"
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	log "dpkg --add-architecture arm64"
	dpkg --add-architecture arm64
	apt-get update >&2 || die "apt-get update failed"
fi
deps() {
	apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
		--no-replaces --no-enhances "$PKG" 2>/dev/null | grep -E '^[a-z0-9].*:arm64$' | sort -u
}
pkgs=$(deps)
if [ -z "$pkgs" ]; then
	apt-get update >&2 || die "apt-get update failed"
	pkgs=$(deps)
fi
[ -n "$pkgs" ] || die "apt-cache knows no $PKG"
log "$(wc -l <<<"$pkgs") packages ($PKG and its dependencies)"

rm -rf "$DEBS.tmp"
mkdir -p "$DEBS.tmp"
# shellcheck disable=SC2086 # a list of package names
(cd "$DEBS.tmp" && apt-get -o APT::Sandbox::User=root download $pkgs >&2) ||
	die "apt-get download failed"
rm -rf "$DEBS" "$FULL"
mv "$DEBS.tmp" "$DEBS"
mkdir -p "$FULL.tmp"
for d in "$DEBS"/*.deb; do
	dpkg -x "$d" "$FULL.tmp" || die "dpkg -x $d failed"
done
mv "$FULL.tmp" "$FULL"
ver=$(cd "$DEBS" && ls qemu-system-arm_*.deb)
[ -x "$FULL/usr/bin/qemu-system-aarch64" ] || die "no usr/bin/qemu-system-aarch64 in $ver"

# The DT_NEEDED closure, looked up where Debian's loader looks (multiarch dirs).
libdirs=(lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu lib usr/lib)
find_lib() { # find_lib NAME -> relative path in FULL
	for d in "${libdirs[@]}"; do
		[ -e "$FULL/$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}
declare -A have=()
todo=(usr/bin/qemu-system-aarch64)
files=()
while [ ${#todo[@]} -gt 0 ]; do
	f=${todo[0]}
	todo=("${todo[@]:1}")
	[ -n "${have[$f]:-}" ] && continue
	have[$f]=1
	files+=("$f")
	while read -r n; do
		p=$(find_lib "$n") || die "$n (needed by $f) is in none of the packages"
		[ -n "${have[$p]:-}" ] || todo+=("$p")
	done < <(readelf -d "$FULL/$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
done
interp=$(readelf -l "$FULL/usr/bin/qemu-system-aarch64" | sed -n 's/.*interpreter: \(.*\)]/\1/p')
[ -n "$interp" ] || die "qemu-system-aarch64 has no program interpreter"

rm -rf "$MIN.tmp"
mkdir -p "$MIN.tmp"
for f in "${files[@]}" "${interp#/}"; do
	mkdir -p "$MIN.tmp/$(dirname "$f")"
	cp -L "$FULL/$f" "$MIN.tmp/$f"
done
{
	echo "$ver"
	echo "files: ${#files[@]} + loader $interp"
	(cd "$DEBS" && ls)
} >"$MIN.tmp/.stamp"
rm -rf "$MIN"
mv "$MIN.tmp" "$MIN"
log "$ver: $(du -sh "$MIN" | cut -f1) in $MIN (${#files[@]} files + the loader)"
echo "$MIN"
