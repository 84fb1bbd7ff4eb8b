#!/usr/bin/env bash
# Build the smolvm Linux guest kernel from Debian's linux-source-6.1 package.
#
#   kernels/linux/build.sh                 build (or reuse the cached build)
#   kernels/linux/build.sh --print-path    print the output directory, build nothing
#   kernels/linux/build.sh --arch ARCH     x86_64 (default) or aarch64 (cross-compiled)
#   kernels/linux/build.sh --force         rebuild even if the cache is valid
#
# Outputs (SMOLVM_CACHE defaults to ~/.cache/smolvm):
#   x86_64:  $SMOLVM_CACHE/linux-build/out/{bzImage,vmlinux,config,build-info}
#   aarch64: $SMOLVM_CACHE/linux-build/aarch64/out/{Image,vmlinux,config,build-info}
# The kernel .config is `make tinyconfig` + kernels/linux/<arch>.config
# (merge_config.sh) + `make olddefconfig`; the build fails if Kconfig drops any
# line of the fragment. aarch64 builds with ARCH=arm64
# CROSS_COMPILE=aarch64-linux-gnu-; Image is the uncompressed arm64 boot image.
#
# Cache: out/stamp holds sha256(<arch>.config + build.sh). When the outputs exist
# and the stamp matches, nothing is rebuilt. Progress and make output go to
# stderr; stdout carries only the output paths, the output directory last.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ARCH=x86_64
PRINT_PATH=0
FORCE=0

usage() {
    sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
    case "$1" in
        --arch) [ $# -ge 2 ] || { echo "build.sh: --arch needs a value" >&2; exit 2; }
                ARCH="$2"; shift 2 ;;
        --arch=*) ARCH="${1#--arch=}"; shift ;;
        --print-path) PRINT_PATH=1; shift ;;
        --force) FORCE=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done

CACHE="${SMOLVM_CACHE:-$HOME/.cache/smolvm}"
BASE="$CACHE/linux-build"
# Per architecture: the kernel's ARCH, the cross compiler prefix, the boot image
# (make target, its path in the object dir), and where logs and outputs go. The
# x86_64 paths predate aarch64 and stay where they were.
case "$ARCH" in
    x86_64|amd64|x86)
        ARCH=x86_64 KARCH=x86_64 CROSS="" IMAGE=bzImage IMAGE_SRC=arch/x86/boot/bzImage
        ADIR="$BASE" ;;
    aarch64|arm64)
        ARCH=aarch64 KARCH=arm64 CROSS=aarch64-linux-gnu- IMAGE=Image IMAGE_SRC=arch/arm64/boot/Image
        ADIR="$BASE/aarch64" ;;
    *)
        echo "build.sh: unknown --arch '$ARCH': x86_64 or aarch64" >&2
        exit 2 ;;
esac
OUT="$ADIR/out"
if [ "$PRINT_PATH" = 1 ]; then
    echo "$OUT"
    exit 0
fi

FRAGMENT="$HERE/$ARCH.config"
[ -f "$FRAGMENT" ] || { echo "build.sh: missing $FRAGMENT" >&2; exit 1; }
KVER=6.1
TARBALL="/usr/src/linux-source-$KVER.tar.xz"
SRCROOT="$BASE/src"
SRC="$SRCROOT/linux-source-$KVER"
OBJ="$BASE/obj-$ARCH"
LOG="$ADIR/build.log"

log() { echo "build.sh: $*" >&2; }

print_outputs() {
    printf '%-8s %s\n' "$IMAGE:" "$OUT/$IMAGE"
    echo "vmlinux: $OUT/vmlinux"
    echo "config:  $OUT/config"
    echo "$OUT"
}

STAMP="$(cat "$FRAGMENT" "$HERE/build.sh" | sha256sum | cut -d' ' -f1)"
cached() {
    [ -s "$OUT/$IMAGE" ] && [ -s "$OUT/vmlinux" ] && [ -s "$OUT/config" ] &&
        [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$STAMP" ]
}

if [ "$FORCE" = 0 ] && cached; then
    log "up to date (stamp ${STAMP:0:12})"
    print_outputs
    exit 0
fi

mkdir -p "$BASE"
# One build at a time per cache directory; a second caller waits, then
# normally finds the cache valid.
exec 9>"$BASE/lock"
if ! flock -n 9; then
    log "another build holds $BASE/lock; waiting"
    flock 9
fi
if [ "$FORCE" = 0 ] && cached; then
    log "up to date (built by a concurrent run)"
    print_outputs
    exit 0
fi

# ---- dependencies ---------------------------------------------------------------
need_pkgs=()
for tool in gcc:build-essential make:build-essential bc:bc bison:bison flex:flex \
            cpio:cpio xz:xz-utils perl:perl flock:util-linux \
            ${CROSS:+${CROSS}gcc:gcc-aarch64-linux-gnu}; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || need_pkgs+=("${tool#*:}")
done
[ -f /usr/include/gelf.h ] || need_pkgs+=(libelf-dev)
[ -f /usr/include/openssl/ssl.h ] || need_pkgs+=(libssl-dev)
[ -f "$TARBALL" ] || need_pkgs+=("linux-source-$KVER")
if [ ${#need_pkgs[@]} -gt 0 ]; then
    log "installing: ${need_pkgs[*]}"
    SUDO=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null 2>&1 || {
            log "not root and no sudo: run  apt-get install -y ${need_pkgs[*]}"; exit 1; }
        SUDO=sudo
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! $SUDO apt-get install -y -q "${need_pkgs[@]}" >&2; then
        $SUDO apt-get update -q >&2
        $SUDO apt-get install -y -q "${need_pkgs[@]}" >&2
    fi
fi

# ---- source ---------------------------------------------------------------------
SRC_ID="$(stat -c '%s %Y' "$TARBALL") $(dpkg-query -W -f='${Version}' "linux-source-$KVER" 2>/dev/null || echo unknown)"
if [ ! -f "$SRCROOT/.extracted" ] || [ "$(cat "$SRCROOT/.extracted")" != "$SRC_ID" ]; then
    log "unpacking $TARBALL into $SRCROOT"
    rm -rf "$SRCROOT" "$OBJ"
    mkdir -p "$SRCROOT"
    nice -n 19 tar -C "$SRCROOT" -xf "$TARBALL"
    echo "$SRC_ID" > "$SRCROOT/.extracted"
fi
[ -f "$SRC/Makefile" ] || { log "no kernel tree at $SRC"; exit 1; }

# ---- config ---------------------------------------------------------------------
mkdir -p "$OBJ"
mkdir -p "$ADIR"
KMAKE=(make -C "$SRC" O="$OBJ" ARCH="$KARCH" ${CROSS:+CROSS_COMPILE="$CROSS"})
log "configuring: tinyconfig + $FRAGMENT"
{
    "${KMAKE[@]}" -s tinyconfig &&
    "$SRC/scripts/kconfig/merge_config.sh" -m -O "$OBJ" "$OBJ/.config" "$FRAGMENT" &&
    "${KMAKE[@]}" -s olddefconfig
} >"$ADIR/config.log" 2>&1 || { cat "$ADIR/config.log" >&2; exit 1; }

# Every line of the fragment must survive. "is not set" is also satisfied by
# the symbol being absent (its dependencies are off, so it is off too).
dropped=()
while IFS= read -r line; do
    name="$(grep -oE 'CONFIG_[A-Za-z0-9_]+' <<<"$line" | head -n1)"
    if [[ "$line" == "# "* ]]; then
        grep -qE "^$name=" "$OBJ/.config" && dropped+=("$line  (got: $(grep -E "^$name=" "$OBJ/.config"))")
    else
        grep -qxF "$line" "$OBJ/.config" ||
            dropped+=("$line  (got: $(grep -E "^$name=|^# $name is not set" "$OBJ/.config" || echo absent))")
    fi
done < <(grep -E '^CONFIG_[A-Za-z0-9_]+=|^# CONFIG_[A-Za-z0-9_]+ is not set' "$FRAGMENT")
if [ ${#dropped[@]} -gt 0 ]; then
    log "Kconfig did not honour these lines of $FRAGMENT (missing dependencies?):"
    printf '    %s\n' "${dropped[@]}" >&2
    exit 1
fi

# ---- build ----------------------------------------------------------------------
JOBS="$(nproc)"
log "building $IMAGE + vmlinux with -j$JOBS under nice (log: $LOG)"
start=$(date +%s)
if ! nice -n 19 "${KMAKE[@]}" -j"$JOBS" "$IMAGE" vmlinux >"$LOG" 2>&1; then
    tail -n 40 "$LOG" >&2
    log "kernel build failed; full log in $LOG"
    exit 1
fi
secs=$(( $(date +%s) - start ))

# ---- outputs --------------------------------------------------------------------
mkdir -p "$OUT"
rm -f "$OUT/stamp"
install -m 0644 "$OBJ/$IMAGE_SRC" "$OUT/$IMAGE.tmp" && mv -f "$OUT/$IMAGE.tmp" "$OUT/$IMAGE"
install -m 0644 "$OBJ/vmlinux" "$OUT/vmlinux.tmp" && mv -f "$OUT/vmlinux.tmp" "$OUT/vmlinux"
install -m 0644 "$OBJ/.config" "$OUT/config.tmp" && mv -f "$OUT/config.tmp" "$OUT/config"
install -m 0644 "$OBJ/System.map" "$OUT/System.map.tmp" && mv -f "$OUT/System.map.tmp" "$OUT/System.map"
{
    echo "kernel: $(cat "$OBJ/include/config/kernel.release" 2>/dev/null || echo "?")"
    echo "source: linux-source-$KVER $SRC_ID"
    echo "arch: $ARCH"
    echo "build_seconds: $secs (-j$JOBS, nice 19)"
    echo "${IMAGE}_bytes: $(stat -c %s "$OUT/$IMAGE")"
    echo "vmlinux_bytes: $(stat -c %s "$OUT/vmlinux")"
    echo "stamp: $STAMP"
} > "$OUT/build-info"
echo "$STAMP" > "$OUT/stamp"
log "built in ${secs}s"
print_outputs
