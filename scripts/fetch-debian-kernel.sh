#!/usr/bin/env bash
# fetch-debian-kernel.sh ARCH [--flavour cloud] [--cached] [--print-vmlinuz]
#
# Downloads the current Debian kernel image package for ARCH (amd64, arm64) of
# the given flavour (default: cloud) with `apt-get download` into
# ~/.cache/smolvm/debian-kernel/<arch>/ and extracts it with `dpkg -x` into
# ~/.cache/smolvm/debian-kernel/<arch>/<package-name>/.  --flavour generic
# selects Debian's default flavour (linux-image-<arch>).  Idempotent: a finished
# extraction is marked with a stamp file and reused.
#
# Output: the last line on stdout is the extraction directory (it contains
# boot/vmlinuz-* and lib/modules/<version>/).  With --print-vmlinuz the last
# line is the path of the kernel image instead.  Progress goes to stderr.
#
# With --cached, an existing extraction of that flavour is used without asking
# apt (fast, offline, and the kernel stays fixed); only if none exists is the
# current package fetched.
#
# Environment: SMOLVM_CACHE (default ~/.cache/smolvm).
# If apt has no package lists, or they do not know the package, the script runs
# `apt-get update` once.  For a foreign ARCH (e.g. arm64 on an amd64 host) it
# runs `dpkg --add-architecture ARCH` first.  If apt cannot be reached but an
# earlier extraction exists, that one is used (with a warning).
set -euo pipefail

die() { echo "fetch-debian-kernel: error: $*" >&2; exit 1; }
log() { echo "fetch-debian-kernel: $*" >&2; }

usage() {
	awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
	exit 2
}

arch=""
flavour="cloud"
print_vmlinuz=0
cached=0
while [ $# -gt 0 ]; do
	case "$1" in
	--flavour) [ $# -ge 2 ] || usage; flavour="$2"; shift 2 ;;
	--print-vmlinuz) print_vmlinuz=1; shift ;;
	--cached) cached=1; shift ;;
	-h|--help) usage ;;
	-*) die "unknown option '$1'" ;;
	*) [ -z "$arch" ] || die "more than one ARCH given"; arch="$1"; shift ;;
	esac
done
[ -n "$arch" ] || usage
case "$arch" in
x86_64) arch=amd64 ;;
aarch64) arch=arm64 ;;
esac
case "$arch" in
amd64|arm64|armhf|i386|ppc64el|s390x|riscv64) ;;
*) die "unsupported ARCH '$arch' (expected a Debian architecture such as amd64 or arm64)" ;;
esac

cache="${SMOLVM_CACHE:-$HOME/.cache/smolvm}/debian-kernel/$arch"
mkdir -p "$cache"

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Install a Debian package only when the tool it provides is missing.
need_tool() { # need_tool TOOL PACKAGE
	command -v "$1" >/dev/null 2>&1 && return 0
	log "installing $2 (for $1)"
	as_root apt-get install -y "$2" >&2 || die "could not install $2"
}
need_tool apt-get apt
need_tool dpkg dpkg

native="$(dpkg --print-architecture)"
case "$flavour" in
generic|"") meta="linux-image-$arch" ;;   # Debian's default flavour has no flavour word
*) meta="linux-image-$flavour-$arch" ;;
esac
if [ "$arch" = "$native" ]; then
	qual=""
else
	qual=":$arch"
	meta="$meta$qual"
fi

updated=0
apt_update() {
	[ "$updated" -eq 0 ] || return 1
	updated=1
	log "running apt-get update"
	as_root apt-get update >&2 || return 1
}

# Reuse any finished extraction if apt cannot tell us the current name.
# The newest finished extraction of this flavour, or nothing.
existing_extraction() {
	local re d
	case "$flavour" in
	generic|"") re="^linux-image-[0-9][0-9.]*-[0-9][0-9]*-$arch\$" ;;
	*) re="^linux-image-[0-9][0-9.]*-[0-9][0-9]*-$flavour-$arch\$" ;;
	esac
	for d in "$cache"/linux-image-*; do
		[ -e "$d/.smolvm-extracted" ] || continue
		basename "$d"
	done | grep -E "$re" | sort -V | tail -n 1 | sed "s|^|$cache/|"
}

fallback_existing() {
	local d
	d="$(existing_extraction || true)"
	if [ -n "$d" ]; then
		log "warning: $1; using earlier extraction $d"
		emit "$d"
		exit 0
	fi
	die "$1"
}

emit() {
	local dir="$1" vmlinuz
	vmlinuz=""
	for f in "$dir"/boot/vmlinuz-*; do [ -f "$f" ] && vmlinuz="$f" && break; done
	[ -n "$vmlinuz" ] || die "no boot/vmlinuz-* in $dir"
	if [ "$print_vmlinuz" -eq 1 ]; then echo "$vmlinuz"; else echo "$dir"; fi
}

if [ "$cached" -eq 1 ]; then
	d="$(existing_extraction || true)"
	if [ -n "$d" ]; then
		log "using cached $(cat "$d/.smolvm-extracted") in $d (--cached: apt not asked)"
		emit "$d"
		exit 0
	fi
fi

if [ -n "$qual" ] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
	log "adding foreign architecture $arch"
	as_root dpkg --add-architecture "$arch" || die "dpkg --add-architecture $arch failed"
	apt_update || fallback_existing "apt-get update failed"
fi

# The meta package depends on the versioned one, e.g.
# linux-image-cloud-amd64 -> linux-image-6.1.0-56-cloud-amd64.
resolve() {
	apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *|\{0,1\}Depends: \(linux-image-[^ <>]*\).*/\1/p' | head -n 1
}
pkg="$(resolve || true)"
if [ -z "$pkg" ]; then
	apt_update || fallback_existing "apt-get update failed"
	pkg="$(resolve || true)"
fi
[ -n "$pkg" ] || fallback_existing "apt-cache knows no versioned dependency of $meta"
pkg="${pkg%:"$arch"}"   # strip a ':arm64' qualifier apt-cache may print
version="$(apt-cache policy "$pkg$qual" 2>/dev/null | sed -n 's/^ *Candidate: *//p' | head -n 1)"
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
	fallback_existing "no candidate version of $pkg$qual"
fi

dest="$cache/$pkg"
stamp="$dest/.smolvm-extracted"
want="$pkg $version"
if [ -e "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	log "using cached $pkg $version in $dest"
	emit "$dest"
	exit 0
fi

# apt-get download names the file <pkg>_<version with ':' as %3a>_<arch>.deb.
debname="${pkg}_${version//:/%3a}_${arch}.deb"
if [ ! -s "$cache/$debname" ]; then
	log "downloading $pkg=$version ($arch)"
	tmpdl="$(mktemp -d "$cache/.download.XXXXXX")"
	# apt-get download writes to the current directory; _apt must be able to
	# write there when run as root, so use a world-writable temporary dir.
	chmod 0777 "$tmpdl"
	sandbox=(); [ "$(id -u)" -ne 0 ] || sandbox=(-o APT::Sandbox::User=root)
	if ! (cd "$tmpdl" && apt-get "${sandbox[@]}" download "$pkg$qual=$version" >&2); then
		rm -rf "$tmpdl"
		fallback_existing "apt-get download $pkg$qual=$version failed"
	fi
	got=""
	for f in "$tmpdl"/*.deb; do [ -f "$f" ] && got="$f" && break; done
	[ -n "$got" ] || { rm -rf "$tmpdl"; die "apt-get download produced no .deb"; }
	mv "$got" "$cache/$debname"
	rm -rf "$tmpdl"
fi

log "extracting $debname"
rm -rf "$dest" "$dest.tmp"
mkdir -p "$dest.tmp"
dpkg -x "$cache/$debname" "$dest.tmp" || { rm -rf "$dest.tmp"; die "dpkg -x $debname failed"; }
mv "$dest.tmp" "$dest"
echo "$want" >"$stamp"
# Keep only the current .deb of this package.
for old in "$cache/${pkg}_"*.deb; do
	[ "$old" = "$cache/$debname" ] || rm -f "$old"
done
log "extracted to $dest"
emit "$dest"
