#!/usr/bin/env bash
# mkinitramfs.sh --out FILE --init SCRIPT [options]
#
# Builds a newc cpio initramfs (gzip'ed by default) around a static busybox.
# Used for the L1 (harness) and L2 (guest) initramfs alike.
#
#   --out FILE            output file (required)
#   --init SCRIPT         becomes /init (required; must start with '#!' or be ELF)
#   --file SRC:DEST       copy SRC (file or directory) to DEST in the image
#                         (repeatable; DEST ending in '/' keeps SRC's name;
#                         no ':DEST' means /<basename of SRC>)
#   --busybox PATH        static busybox to use (default: /bin/busybox from
#                         busybox-static); a foreign-arch one works too
#   --arch ARCH           the image's architecture when --busybox is not given:
#                         the host's (default), or aarch64 (arm64): Debian's
#                         busybox-static:arm64, fetched once with apt-get download
#                         into ~/.cache/smolvm/busybox/arm64/
#   --kmods DIR           kernel tree for --module: an extraction dir from
#                         scripts/fetch-debian-kernel.sh or a lib/modules/<ver> dir
#   --module NAME         add kernel module NAME and its dependencies
#                         (repeatable; needs --kmods).  Modules land
#                         decompressed in /lib/modules/<name>.ko and the load
#                         order, one name a line, in /etc/modules-load; load them
#                         with:  for m in $(cat /etc/modules-load); do
#                                  insmod /lib/modules/$m.ko; done
#   --compress gzip|none  compression of the image (default gzip)
#
# The image has /bin/busybox, applet symlinks (from `busybox --list-full`, run
# natively or, for an arm64 busybox on another host, under qemu-aarch64-static;
# if neither works, a fixed list of common applets: run
# `/bin/busybox --install -s` in /init to get all of them), /dev/console and
# /dev/null nodes, and empty /dev /proc /sys /tmp /run /root /mnt /etc /var.
# Files are owned by root.  Needs root for mknod (we are root on the machines).
set -euo pipefail

prog=mkinitramfs
die() { echo "$prog: error: $*" >&2; exit 1; }
warn() { echo "$prog: warning: $*" >&2; }

usage() {
	awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
	exit 2
}

out="" init="" busybox="" kmods="" compress=gzip arch=""
files=() modules=()
while [ $# -gt 0 ]; do
	case "$1" in
	--out) [ $# -ge 2 ] || usage; out="$2"; shift 2 ;;
	--init) [ $# -ge 2 ] || usage; init="$2"; shift 2 ;;
	--file) [ $# -ge 2 ] || usage; files+=("$2"); shift 2 ;;
	--busybox) [ $# -ge 2 ] || usage; busybox="$2"; shift 2 ;;
	--arch) [ $# -ge 2 ] || usage; arch="$2"; shift 2 ;;
	--kmods) [ $# -ge 2 ] || usage; kmods="$2"; shift 2 ;;
	--module) [ $# -ge 2 ] || usage; modules+=("$2"); shift 2 ;;
	--compress) [ $# -ge 2 ] || usage; compress="$2"; shift 2 ;;
	-h|--help) usage ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[ -n "$out" ] || die "--out FILE is required"
[ -n "$init" ] || die "--init SCRIPT is required"
[ -f "$init" ] || die "init script '$init' not found"
case "$compress" in gzip|none) ;; *) die "--compress must be gzip or none" ;; esac
[ ${#modules[@]} -eq 0 ] || [ -n "$kmods" ] || die "--module needs --kmods DIR"

need_tool() { # need_tool TOOL PACKAGE
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "$prog: installing $2 (for $1)" >&2
	apt-get install -y "$2" >&2 || die "could not install $2 (provides $1)"
}
need_tool cpio cpio
need_tool gzip gzip
need_tool readelf binutils

is_elf() { [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }
# (No 'readelf | grep -q': with pipefail an early grep exit can fail the pipe.)
is_dynamic_elf() { is_elf "$1" && [[ "$(readelf -l "$1" 2>/dev/null)" == *"program interpreter"* ]]; }

host_arch="$(uname -m)"
case "${arch:-$host_arch}" in
x86_64|amd64) arch=x86_64 ;;
aarch64|arm64) arch=aarch64 ;;
*) die "unsupported --arch '$arch' (x86_64 or aarch64)" ;;
esac

# fetch_busybox DEBARCH: Debian's busybox-static for a foreign architecture, fetched once
# (apt-get download + dpkg -x) into the cache; prints its path.
fetch_busybox() {
	local da="$1" dir tmp deb
	dir="${SMOLVM_CACHE:-$HOME/.cache/smolvm}/busybox/$da"
	if [ -s "$dir/busybox" ]; then
		echo "$dir/busybox"
		return 0
	fi
	echo "$prog: fetching busybox-static:$da" >&2
	if ! dpkg --print-foreign-architectures | grep -qx "$da"; then
		dpkg --add-architecture "$da" || die "dpkg --add-architecture $da failed"
		apt-get update >&2 || die "apt-get update failed"
	fi
	mkdir -p "$dir"
	tmp="$(mktemp -d "$dir/.download.XXXXXX")"
	chmod 0777 "$tmp"   # apt-get download runs as _apt and writes into the current dir
	if ! (cd "$tmp" && apt-get -o APT::Sandbox::User=root download "busybox-static:$da" >&2); then
		apt-get update >&2 || true
		(cd "$tmp" && apt-get -o APT::Sandbox::User=root download "busybox-static:$da" >&2) ||
			{ rm -rf "$tmp"; die "apt-get download busybox-static:$da failed"; }
	fi
	deb=""
	for f in "$tmp"/*.deb; do [ -f "$f" ] && deb="$f" && break; done
	[ -n "$deb" ] || { rm -rf "$tmp"; die "apt-get download produced no .deb"; }
	dpkg -x "$deb" "$tmp/x" || { rm -rf "$tmp"; die "dpkg -x $deb failed"; }
	[ -f "$tmp/x/bin/busybox" ] || { rm -rf "$tmp"; die "no bin/busybox in $deb"; }
	cp "$tmp/x/bin/busybox" "$dir/busybox.tmp" && mv "$dir/busybox.tmp" "$dir/busybox"
	basename "$deb" >"$dir/package"
	rm -rf "$tmp"
	echo "$dir/busybox"
}

if [ -z "$busybox" ] && [ "$arch" != "$host_arch" ]; then
	case "$arch" in
	aarch64) busybox="$(fetch_busybox arm64)" ;;
	*) die "no busybox for --arch $arch on this $host_arch host: give --busybox PATH" ;;
	esac
fi
if [ -z "$busybox" ]; then
	busybox=/bin/busybox
	if [ ! -x "$busybox" ] || is_dynamic_elf "$busybox"; then
		echo "$prog: installing busybox-static" >&2
		apt-get install -y busybox-static >&2 || die "could not install busybox-static"
	fi
fi
[ -f "$busybox" ] || die "busybox '$busybox' not found"
is_elf "$busybox" || die "busybox '$busybox' is not an ELF binary"
is_dynamic_elf "$busybox" && die "busybox '$busybox' is dynamically linked; install busybox-static (it replaces the 'busybox' package)"

case "$(head -c 2 "$init")" in
'#!') ;;
*) is_elf "$init" || die "init '$init' must start with '#!' (e.g. #!/bin/sh) or be an ELF binary" ;;
esac

stage="$(mktemp -d "${TMPDIR:-/tmp}/smolvm-initramfs.XXXXXX")"
trap 'rm -rf "$stage"' EXIT

for d in bin sbin usr/bin usr/sbin dev proc sys tmp run root mnt etc var lib/modules; do
	mkdir -p "$stage/$d"
done
chmod 1777 "$stage/tmp"
# The kernel opens /dev/console for init's stdio before init can mount
# devtmpfs; without this node init runs with no stdin/stdout.
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || warn "mknod /dev/console failed (not root?): init will have no console until it mounts devtmpfs"
mknod -m 666 "$stage/dev/null" c 1 3 2>/dev/null || true

# busybox and its applet links: built once per busybox binary into a cached
# tree (about 400 links cost ~0.6 s of forks), then copied with one cp -a.
need_tool sha256sum coreutils
bbsum="$(sha256sum "$busybox" | cut -c1-16)"
# A busybox of another architecture lists its applets under QEMU's user-mode emulator.
runner=()
case "$(readelf -h "$busybox" 2>/dev/null | sed -n 's/^ *Machine: *//p')" in
AArch64) [ "$host_arch" = aarch64 ] || runner=(qemu-aarch64-static) ;;
esac
if [ ${#runner[@]} -gt 0 ]; then
	command -v "${runner[0]}" >/dev/null 2>&1 || {
		echo "$prog: installing qemu-user-static (to list the applets of $busybox)" >&2
		apt-get install -y qemu-user-static >&2 || true
	}
	if command -v "${runner[0]}" >/dev/null 2>&1; then
		bbsum="$bbsum-user"   # a different tree than the common-applets fallback
	else
		runner=()
	fi
fi
bbtree="${SMOLVM_CACHE:-$HOME/.cache/smolvm}/initramfs-busybox/$bbsum"
if [ ! -e "$bbtree/.done" ]; then
	rm -rf "$bbtree.tmp.$$"
	mkdir -p "$bbtree.tmp.$$/bin"
	t="$bbtree.tmp.$$"
	cp "$busybox" "$t/bin/busybox"
	chmod 0755 "$t/bin/busybox"
	applets=""
	if applets="$(${runner[@]+"${runner[@]}"} "$t/bin/busybox" --list-full 2>/dev/null)" && [ -n "$applets" ]; then
		:
	else
		applets="$(printf '%s\n' bin/sh bin/ash bin/cat bin/cp bin/dd bin/dmesg bin/echo \
			bin/grep bin/ln bin/ls bin/mkdir bin/mknod bin/mount bin/mv bin/rm bin/sed \
			bin/sleep bin/sync bin/umount bin/uname bin/date bin/chmod bin/stty \
			sbin/insmod sbin/rmmod sbin/lsmod sbin/modprobe sbin/poweroff sbin/reboot \
			sbin/halt sbin/switch_root usr/bin/env usr/bin/head usr/bin/tail usr/bin/wc \
			usr/bin/tr usr/bin/cut usr/bin/awk usr/bin/time usr/bin/timeout usr/bin/xargs \
			usr/bin/find usr/bin/test usr/bin/[ usr/bin/expr usr/bin/seq usr/bin/md5sum)"
		warn "cannot run $busybox here (foreign arch?): made common applet links only; run '/bin/busybox --install -s' in /init for the rest"
	fi
	while IFS= read -r a; do
		[ -n "$a" ] || continue
		a="${a#/}"
		[ "$a" = bin/busybox ] && continue
		case "$a" in
		*/*/*) rel=../../bin/busybox ;;   # usr/bin/x
		*/*) rel=../bin/busybox ;;        # bin/x, sbin/x
		*) rel=bin/busybox ;;
		esac
		case "$a" in */*) mkdir -p "$t/${a%/*}" ;; esac
		ln -sf "$rel" "$t/$a"
	done <<<"$applets"
	[ -e "$t/bin/sh" ] || ln -sf busybox "$t/bin/sh"
	touch "$t/.done"
	rm -rf "$bbtree"
	mv "$t" "$bbtree"
fi
cp -a "$bbtree/." "$stage/"
rm -f "$stage/.done"

cp "$init" "$stage/init"
chmod 0755 "$stage/init"

# --file SRC:DEST
for spec in ${files[@]+"${files[@]}"}; do
	if [[ "$spec" == *:* ]]; then
		src="${spec%:*}"
		dst="${spec##*:}"
	else
		src="$spec"
		dst="/$(basename "$spec")"
	fi
	[ -n "$src" ] || die "--file '$spec': empty source"
	[ -e "$src" ] || die "--file '$spec': source '$src' not found"
	case "$dst" in /*) ;; *) dst="/$dst" ;; esac
	case "$dst" in */) dst="$dst$(basename "$src")" ;; esac
	mkdir -p "$stage$(dirname "$dst")"
	if [ -d "$src" ]; then
		mkdir -p "$stage$dst"
		cp -a "$src/." "$stage$dst/"
	else
		cp -L "$src" "$stage$dst"
		chmod "$(stat -L -c %a "$src")" "$stage$dst"
		if is_dynamic_elf "$stage$dst"; then
			warn "$src is dynamically linked: it will not run in a busybox initramfs (build it with -static or add its libraries)"
		fi
	fi
done

# --module NAME: resolve dependencies from the modules' own .modinfo
# ('depends=a,b'), so no modules.dep/depmod is needed.
if [ ${#modules[@]} -gt 0 ]; then
	[ -d "$kmods" ] || die "--kmods '$kmods' is not a directory"
	if [ -d "$kmods/lib/modules" ]; then
		kver="$(ls -1 "$kmods/lib/modules")"
		[ "$(echo "$kver" | wc -l)" -eq 1 ] || die "expected one kernel version under $kmods/lib/modules, found: $kver"
		kmods="$kmods/lib/modules/$kver"
	fi
	declare -A modpath=()
	while IFS= read -r f; do
		n="${f##*/}"
		n="${n%%.ko*}"
		modpath["${n//-/_}"]="$f"
	done < <(find "$kmods" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz')
	[ ${#modpath[@]} -gt 0 ] || die "no kernel modules (*.ko*) under $kmods"

	declare -A done_mod=() builtin=()
	if [ -f "$kmods/modules.builtin" ]; then
		while IFS= read -r f; do
			n="${f##*/}"; n="${n%%.ko*}"; builtin["${n//-/_}"]=1
		done <"$kmods/modules.builtin"
	fi
	order=()
	add_module() {
		local n="${1//-/_}" f ko deps d
		[ -z "${done_mod[$n]:-}" ] || return 0
		done_mod[$n]=1
		if [ -z "${modpath[$n]:-}" ]; then
			[ -n "${builtin[$n]:-}" ] && return 0   # built into the kernel
			die "kernel module '$1' not found under $kmods"
		fi
		f="${modpath[$n]}"
		ko="$stage/lib/modules/$n.ko"
		case "$f" in
		*.ko.xz) need_tool xz xz-utils; xz -dc "$f" >"$ko" ;;
		*.ko.zst) need_tool zstd zstd; zstd -qdc "$f" >"$ko" ;;
		*.ko.gz) gzip -dc "$f" >"$ko" ;;
		*) cp "$f" "$ko" ;;
		esac
		# (Read to the end: an early 'q' would SIGPIPE tr and fail under pipefail.)
		deps="$(tr '\0' '\n' <"$ko" | sed -n 's/^depends=//p')"
		deps="${deps%%$'\n'*}"
		for d in ${deps//,/ }; do add_module "$d"; done
		order+=("$n")
	}
	for m in "${modules[@]}"; do add_module "$m"; done
	printf '%s\n' ${order[@]+"${order[@]}"} >"$stage/etc/modules-load"
fi

# Fixed mtimes so the same inputs give the same image.
find "$stage" -exec touch -h -d @0 {} +
mkdir -p "$(dirname "$out")"
tmpout="$out.tmp.$$"
(
	cd "$stage"
	find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --reproducible --quiet
) | if [ "$compress" = gzip ]; then gzip -6 -n; else cat; fi >"$tmpout" ||
	{ rm -f "$tmpout"; die "cpio failed"; }
mv "$tmpout" "$out"
echo "$prog: wrote $out ($(du -k "$out" | cut -f1) KiB, $compress)" >&2
