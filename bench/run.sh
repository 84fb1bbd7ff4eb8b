#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/run.sh -- smolvm against QEMU microvm and the raw-KVM floor, side by
# side in one run on the host /dev/kvm:
#   a. end-to-end time of hello_pvh.elf (process start to exit), hyperfine
#   b. per-exit cost: (t(exit_loop_pvh) - t(exit_loop0_pvh)) / EXIT_LOOP_COUNT
#   c. peak RSS on hello_pvh.elf (/usr/bin/time -f %M)
# and prints a markdown table with the ratios and the targets.
#
# Usage: bench/run.sh [--quick] [--help]
#   --quick   fewer repetitions (about 20 s instead of about 2 min)
# Environment overrides (defaults in brackets):
#   SMOLVM [build/smolvm]  RAW_KVM_LOOP [build/raw-kvm-loop]
#   QEMU [qemu-system-x86_64]  GUEST_DIR [build/guests/x86_64]
#   BENCH_OUT [build/bench]: hyperfine JSON files and results.md are kept there
#   EXIT_LOOP_COUNT [200000]: iterations in exit_loop_pvh.elf
#   E2E_ROUNDS, E2E_RUNS, LOOP_ROUNDS, LOOP_RUNS, RSS_RUNS: repetition counts
#   NO_INSTALL=1: never apt-get install missing tools
#
# Timing: the machine is shared and noisy, so every measurement is taken in
# rounds; each round runs all VMMs (in rotated order) and the samples of all
# rounds are pooled. Only the ratios measured in the same run mean anything.
# All guests must exit with status 33 (isa-debug-exit value 0x10); a run with
# any other status makes the script fail.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

QUICK=0
for arg in "$@"; do
	case $arg in
	--quick) QUICK=1 ;;
	-h | --help)
		sed -n '4,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
		exit 0
		;;
	*)
		echo "bench/run.sh: unknown option $arg (try --help)" >&2
		exit 2
		;;
	esac
done

SMOLVM=${SMOLVM:-build/smolvm}
RAW_KVM_LOOP=${RAW_KVM_LOOP:-build/raw-kvm-loop}
QEMU=${QEMU:-qemu-system-x86_64}
GUEST_DIR=${GUEST_DIR:-build/guests/x86_64}
BENCH_OUT=${BENCH_OUT:-build/bench}
EXIT_LOOP_COUNT=${EXIT_LOOP_COUNT:-200000}

if [ "$QUICK" = 1 ]; then
	: "${E2E_ROUNDS:=2}" "${E2E_RUNS:=5}" "${LOOP_ROUNDS:=2}" "${LOOP_RUNS:=1}" "${RSS_RUNS:=3}"
else
	: "${E2E_ROUNDS:=5}" "${E2E_RUNS:=10}" "${LOOP_ROUNDS:=8}" "${LOOP_RUNS:=2}" "${RSS_RUNS:=5}"
fi

log() { printf '==> %s\n' "$*" >&2; }
die() {
	printf 'bench/run.sh: %s\n' "$*" >&2
	exit 1
}

# --- tools ------------------------------------------------------------------
APT_UPDATED=0
need() { # need COMMAND-OR-PATH DEBIAN-PACKAGE
	if [ -x "$1" ] || command -v "$1" >/dev/null 2>&1; then
		return 0
	fi
	[ "${NO_INSTALL:-0}" = 1 ] && die "$1 missing (package $2) and NO_INSTALL=1"
	log "installing $2 (for $1)"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -q "$2" >/dev/null 2>&1; then
		if [ "$APT_UPDATED" = 0 ]; then
			apt-get update -q >/dev/null 2>&1 || true
			APT_UPDATED=1
		fi
		apt-get install -y -q "$2" >/dev/null || die "could not install $2"
	fi
	{ [ -x "$1" ] || command -v "$1" >/dev/null 2>&1; } || die "$2 installed but $1 still missing"
}
# Without a usable /dev/kvm (or with SMOLVM_IN_L1=1) the whole benchmark runs inside the
# nested x86_64 L1 (scripts/with-kvm.sh), every VMM side by side there as here: built on
# the host first (L1 sees the tree read-only), results written to BENCH_OUT through a
# writable share.
if [ "${SMOLVM_IN_L1:-}" = 1 ] || ! { [ -r /dev/kvm ] && [ -w /dev/kvm ]; }; then
	[ "${SMOLVM_IN_L1:-}" = 0 ] && die "/dev/kvm is not usable and SMOLVM_IN_L1=0"
	make -s -j"$(nproc)" smolvm guests "$RAW_KVM_LOOP" >&2 || die "make failed"
	exec scripts/with-kvm.sh --rw "$BENCH_OUT" --mem 2G --timeout 10800 \
		--env SMOLVM --env RAW_KVM_LOOP --env QEMU --env GUEST_DIR --env BENCH_OUT \
		--env EXIT_LOOP_COUNT --env E2E_ROUNDS --env E2E_RUNS --env LOOP_ROUNDS \
		--env LOOP_RUNS --env RSS_RUNS -- env NO_INSTALL=1 bench/run.sh "$@"
fi
need hyperfine hyperfine
need /usr/bin/time time
need python3 python3
if [ "$QEMU" = qemu-system-x86_64 ]; then
	need qemu-system-x86_64 qemu-system-x86
else
	[ -x "$QEMU" ] || command -v "$QEMU" >/dev/null 2>&1 || die "QEMU=$QEMU not found"
fi
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	die "/dev/kvm is not usable"
fi

# --- binaries and guests -----------------------------------------------------
HELLO=$GUEST_DIR/hello_pvh.elf
LOOP=$GUEST_DIR/exit_loop_pvh.elf
LOOP0=$GUEST_DIR/exit_loop0_pvh.elf
if ! [ -x "$SMOLVM" ] || ! [ -x "$RAW_KVM_LOOP" ] || ! [ -f "$HELLO" ] || ! [ -f "$LOOP" ] ||
	! [ -f "$LOOP0" ]; then
	log "building (make)"
	make -s -j"$(nproc)" >&2
fi
for f in "$SMOLVM" "$RAW_KVM_LOOP" "$HELLO" "$LOOP" "$LOOP0"; do
	[ -e "$f" ] || die "$f missing"
done

mkdir -p "$BENCH_OUT"
rm -f "$BENCH_OUT"/*.json "$BENCH_OUT"/rss.txt "$BENCH_OUT"/results.md

# Command lines per VMM (hyperfine -N splits them like a shell: quote paths).
q() { printf '%q' "$1"; }
cmd_for() { # cmd_for VMM GUEST
	case $1 in
	smolvm) printf '%s %s' "$(q "$SMOLVM")" "$(q "$2")" ;;
	qemu)
		printf '%s -M microvm,accel=kvm -nodefaults -no-user-config -nographic -serial stdio %s %s' \
			"$(q "$QEMU")" "-device isa-debug-exit,iobase=0xf4,iosize=4" "-kernel $(q "$2")"
		;;
	raw) printf '%s %s' "$(q "$RAW_KVM_LOOP")" "$(q "$2")" ;;
	esac
}
VMMS=(smolvm qemu raw)

# Rotate the VMM order by $1 places.
rotated() {
	local n=${#VMMS[@]} i
	for ((i = 0; i < n; i++)); do
		printf '%s\n' "${VMMS[$(((i + $1) % n))]}"
	done
}

# --- sanity: every VMM boots the guests, prints, and exits 33 ----------------
log "sanity check"
for vmm in "${VMMS[@]}"; do
	for g in "$HELLO:Hello from a PVH guest" "$LOOP0:exit loop done"; do
		guest=${g%%:*}
		want=${g#*:}
		set +e
		out=$(eval "$(cmd_for "$vmm" "$guest")" </dev/null 2>"$BENCH_OUT/sanity.err")
		rc=$?
		set -e
		[ "$rc" = 33 ] || die "$vmm on $guest: exit status $rc, want 33 ($(head -c 300 "$BENCH_OUT/sanity.err"))"
		[[ $out == *"$want"* ]] || die "$vmm on $guest: output lacks '$want'"
	done
done

# hyperfine's stderr (a warning per command for the ignored status 33) goes to
# a file that is shown only when hyperfine fails.
hf() {
	if ! hyperfine -N -i --style none "$@" >/dev/null 2>"$BENCH_OUT/hyperfine.err"; then
		cat "$BENCH_OUT/hyperfine.err" >&2
		die "hyperfine failed"
	fi
}

# --- a. end-to-end -----------------------------------------------------------
log "end-to-end: hello_pvh, $E2E_ROUNDS rounds x $E2E_RUNS runs per VMM"
for ((r = 0; r < E2E_ROUNDS; r++)); do
	args=()
	for vmm in $(rotated "$r"); do
		args+=(-n "$vmm" "$(cmd_for "$vmm" "$HELLO")")
	done
	warm=1
	[ "$r" = 0 ] && warm=3
	hf --warmup "$warm" --runs "$E2E_RUNS" --export-json "$BENCH_OUT/e2e.$r.json" "${args[@]}"
done

# --- b. per-exit cost --------------------------------------------------------
log "per-exit: exit_loop_pvh ($EXIT_LOOP_COUNT exits) and exit_loop0_pvh," \
	"$LOOP_ROUNDS rounds x $LOOP_RUNS runs per VMM (~$((LOOP_ROUNDS * LOOP_RUNS * 5))s)"
for ((r = 0; r < LOOP_ROUNDS; r++)); do
	args=()
	for vmm in $(rotated "$r"); do
		args+=(-n "$vmm/loop" "$(cmd_for "$vmm" "$LOOP")")
		args+=(-n "$vmm/loop0" "$(cmd_for "$vmm" "$LOOP0")")
	done
	hf --warmup 0 --runs "$LOOP_RUNS" --export-json "$BENCH_OUT/loop.$r.json" "${args[@]}"
done

# --- c. peak RSS -------------------------------------------------------------
log "peak RSS: hello_pvh, $RSS_RUNS runs per VMM"
for ((r = 0; r < RSS_RUNS; r++)); do
	for vmm in $(rotated "$r"); do
		set +e
		eval "/usr/bin/time -f '%M' -o $(q "$BENCH_OUT/rss.one") $(cmd_for "$vmm" "$HELLO")" \
			</dev/null >/dev/null 2>&1
		rc=$?
		set -e
		[ "$rc" = 33 ] || die "$vmm (RSS run): exit status $rc"
		printf '%s %s\n' "$vmm" "$(tail -n 1 "$BENCH_OUT/rss.one")" >>"$BENCH_OUT/rss.txt"
	done
done
rm -f "$BENCH_OUT/rss.one" "$BENCH_OUT/sanity.err" "$BENCH_OUT/hyperfine.err"

# --- report --------------------------------------------------------------------
python3 - "$BENCH_OUT" "$EXIT_LOOP_COUNT" "$QUICK" <<'PY' | tee "$BENCH_OUT/results.md"
import glob, json, os, statistics as st, sys

out, n_exits, quick = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
samples, user, rounds = {}, {}, []
for f in sorted(glob.glob(os.path.join(out, "*.json"))):
    rnd = {}
    for res in json.load(open(f))["results"]:
        bad = [c for c in res.get("exit_codes", []) if c != 33]
        if bad:
            sys.exit(f"bench/run.sh: {res['command']}: exit status {bad[0]}, want 33")
        samples.setdefault(res["command"], []).extend(res["times"])
        user.setdefault(res["command"], []).extend(res.get("user_times") or [res["user"]])
        rnd[res["command"]] = st.median(res["times"])
    if os.path.basename(f).startswith("loop."):
        rounds.append(rnd)

def med(k): return st.median(samples[k])
rss = {}
for line in open(os.path.join(out, "rss.txt")):
    vmm, kb = line.split()
    rss.setdefault(vmm, []).append(int(kb))

V = ("smolvm", "qemu", "raw")
e2e = {v: med(v) * 1e3 for v in V}                                       # ms
pe = {v: (med(v + "/loop") - med(v + "/loop0")) / n_exits * 1e6 for v in V}  # us
pe_min = {v: (min(samples[v + "/loop"]) - min(samples[v + "/loop0"])) / n_exits * 1e6
          for v in V}
peak = {v: max(rss[v]) / 1024 for v in V}                                 # MiB

def row(metric, d, unit, fmt, target_txt, met):
    r_q = d["smolvm"] / d["qemu"]
    r_r = d["smolvm"] / d["raw"]
    cells = [metric] + [fmt.format(d[v]) + " " + unit for v in V] + \
        [f"{r_q:.3f}x / {r_r:.3f}x", target_txt, "yes" if met else "**no**"]
    print("| " + " | ".join(cells) + " |")

print()
print(f"### smolvm vs QEMU microvm vs raw KVM floor ({'quick' if quick else 'full'} run)")
print()
print("| metric | smolvm | QEMU microvm | raw KVM floor | ratio smolvm/QEMU / smolvm/raw | target | met? |")
print("|---|---|---|---|---|---|---|")
row("end-to-end hello_pvh (median)", e2e, "ms", "{:.2f}", "<= 0.2x QEMU",
    e2e["smolvm"] <= 0.2 * e2e["qemu"])
row(f"per-exit cost (median, {n_exits} PIO exits)", pe, "us", "{:.3f}", "<= 1.05x raw floor",
    pe["smolvm"] <= 1.05 * pe["raw"])
row("peak RSS hello_pvh (max of runs)", peak, "MiB", "{:.2f}", "< 4 MiB", peak["smolvm"] < 4)
print()
n_l = len(samples["smolvm/loop"]); n_e = len(samples["smolvm"])
print(f"Samples: end-to-end {n_e} per VMM, exit loops {n_l} per VMM (pooled over interleaved rounds).")
print("Per-exit from minimum times instead of medians: " +
      ", ".join(f"{v} {pe_min[v]:.3f} us" for v in V) +
      f" (smolvm/raw {pe_min['smolvm'] / pe_min['raw']:.3f}x, "
      f"smolvm/QEMU {pe_min['smolvm'] / pe_min['qemu']:.3f}x).")
# Paired estimate: the smolvm/raw and smolvm/QEMU per-exit ratios within each
# round (the VMMs ran back to back there), then the median over rounds.
def pe_round(r, v): return r[v + "/loop"] - r[v + "/loop0"]
pr_raw = st.median(pe_round(r, "smolvm") / pe_round(r, "raw") for r in rounds)
pr_q = st.median(pe_round(r, "smolvm") / pe_round(r, "qemu") for r in rounds)
print(f"Per-exit ratio paired within each of the {len(rounds)} rounds (median over rounds): "
      f"smolvm/raw {pr_raw:.3f}x, smolvm/QEMU {pr_q:.3f}x.")
# User-space CPU per exit (the VMM's own exit handling; the rest is in KVM).
pe_user = {v: (st.median(user[v + "/loop"]) - st.median(user[v + "/loop0"])) / n_exits * 1e6
           for v in V}
print("User-space CPU per exit (median user time, loop - loop0): " +
      ", ".join(f"{v} {pe_user[v]:.3f} us" for v in V) + ".")
def spread(k):
    s = samples[k]
    return f"{st.median(s) * 1e3:.1f} ms [{min(s) * 1e3:.1f}-{max(s) * 1e3:.1f}]"
print("Exit-loop medians [min-max]: " + "; ".join(
    f"{v} loop {spread(v + '/loop')}, loop0 {spread(v + '/loop0')}" for v in V) + ".")
print("End-to-end medians [min-max]: " + "; ".join(f"{v} {spread(v)}" for v in V) + ".")
print("Peak RSS per run (KiB): " + "; ".join(f"{v} {rss[v]}" for v in V) + ".")
PY
