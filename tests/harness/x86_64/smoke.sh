#!/usr/bin/env bash
# tests/harness/x86_64/smoke.sh [run-l1.sh options...]
#
# Self-test of the x86_64 nested harness: builds kvm-smoke.c statically, runs
# it inside L1 through run-l1.sh, then summarizes the console log with
# report.sh (last line "N passed, M failed"; non-zero exit on any failure).
# Extra options (e.g. --timeout 300, --log FILE) are passed to run-l1.sh.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
harness="$(dirname "$here")"

command -v gcc >/dev/null 2>&1 || apt-get install -y gcc libc6-dev >&2

work="$(mktemp -d "${TMPDIR:-/tmp}/smolvm-smoke.XXXXXX")"
trap 'rm -rf "$work"' EXIT

gcc -static -O2 -Wall -Wextra -Werror -o "$work/kvm-smoke" "$here/kvm-smoke.c"

cat >"$work/test.sh" <<'EOS'
. /harness/lib.sh
t_begin l1-dev-kvm
if [ -c /dev/kvm ]; then t_pass l1-dev-kvm; else t_fail l1-dev-kvm "no /dev/kvm"; fi
t_run kvm-smoke /bin/kvm-smoke
t_end
EOS

log=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
	[ "${args[i]}" = --log ] && log="${args[i + 1]:-}"
done
if [ -z "$log" ]; then
	log="${TMPDIR:-/tmp}/smolvm-smoke-console.log"
	args+=(--log "$log")
fi

rc=0
"$here/run-l1.sh" --script "$work/test.sh" --file "$work/kvm-smoke:/bin/kvm-smoke" \
	--timeout 300 ${args[@]+"${args[@]}"} || rc=$?
echo "smoke: run-l1.sh exit status $rc; console log: $log" >&2
"$harness/report.sh" "$log"
