# SPDX-License-Identifier: MIT
# shellcheck shell=sh
#
# bench/lib-l1.sh -- what the benchmarks that run inside an L1 of the nested harness share:
# bench/linux-boot.sh, bench/disk.sh and bench/net.sh run smolvm and QEMU side by side in
# one x86_64 L1 (tests/harness/x86_64/run-l1.sh), which chroots into the host's root over
# virtio-9p so that Debian's qemu-system-x86_64 runs there (shared/ENVIRONMENT.md,
# "Running QEMU beside smolvm inside L1"); bench/aarch64-boot.sh does the same in the
# aarch64 L1 (tests/harness/aarch64/run-l1.sh), from its initramfs.
#
# Sourced in three places, so POSIX sh only (busybox sh must parse all of it):
#   - on the host, by bench/BENCH.sh (bash, `set -euo pipefail`): the bench_* functions
#     parse the common options, prepare the work directory, run L1 under a stall watchdog
#     and render the report;
#   - in L1's initramfs (busybox sh), as /harness/lib-l1.sh: by the stage 1 of
#     bench/BENCH-l1.sh (l1_chroot mounts the host root and chroots into it), and by
#     bench/aarch64/boot-l1.sh, which runs there;
#   - in the chroot, by stage 2, as $WORK/lib-l1.sh: l1_heartbeat, l1_order, l1_facts,
#     l1_run, l1_boot for the measured runs.
# The caller sets BENCH (linux-boot, aarch64-boot, disk, net: the script's name) before
# sourcing; the work directory is WORK.

# The kernel command line of the x86_64 L2 guests.
# shellcheck disable=SC2034 # for the callers
BENCH_CMDLINE_X86="console=ttyS0 panic=-1 quiet i8042.noaux i8042.nomux tsc=reliable no_timer_check"

# ---- host side ---------------------------------------------------------------------------

bench_log() { printf '==> %s\n' "$*" >&2; }
bench_die() {
	printf '%s.sh: error: %s\n' "$BENCH" "$*" >&2
	exit 1
}

# bench_usage MESSAGE: a usage error (exit status 2).
bench_usage() {
	printf '%s.sh: %s\n' "$BENCH" "$*" >&2
	exit 2
}

# bench_options DEFAULT_ROUNDS QUICK_ROUNDS ARGS...: the options every benchmark has:
#   --quick (QUICK=1, ROUNDS=QUICK_ROUNDS), --runs N or --rounds N (ROUNDS), --report
#   (REPORT_ONLY=1), --help (the script's header comment).
# Any other option goes to the caller's function bench_option, if there is one: called with
# the remaining arguments, it sets b_took to how many it used (0: unknown option).
bench_options() {
	ROUNDS=$1 b_quick=$2
	shift 2
	QUICK=0 REPORT_ONLY=0
	while [ $# -gt 0 ]; do
		case $1 in
		--quick) ROUNDS=$b_quick QUICK=1 b_took=1 ;;
		--runs | --rounds)
			[ $# -ge 2 ] || bench_usage "$1 needs N"
			ROUNDS=$2 b_took=2 ;;
		--report) REPORT_ONLY=1 b_took=1 ;;
		-h | --help)
			sed -n '4,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
			exit 0 ;;
		*)
			b_took=0
			if command -v bench_option >/dev/null 2>&1; then
				bench_option "$@"
			fi
			[ "$b_took" -gt 0 ] || bench_usage "unknown option $1 (try --help)" ;;
		esac
		shift "$b_took"
	done
	case $ROUNDS in
	'' | 0* | *[!0-9]*) bench_usage "--runs must be a positive number" ;;
	esac
}

# bench_positive VAR...: each VAR must hold a positive number.
bench_positive() {
	for b_n in "$@"; do
		eval "b_v=\${$b_n:-}"
		case $b_v in
		'' | 0* | *[!0-9]*) bench_usage "$b_n must be a positive number" ;;
		esac
	done
}

# bench_vmms KNOWN...: every VMM in VMMS must be one of KNOWN, smolvm among them, and
# smolvm-b needs SMOLVM_B.
bench_vmms() {
	for b_v in $VMMS; do
		case " $* " in
		*" $b_v "*) ;;
		*) bench_usage "unknown VMM '$b_v' in VMMS" ;;
		esac
	done
	case " $VMMS " in
	*" smolvm "*) ;;
	*) bench_usage "VMMS must include smolvm" ;;
	esac
	case " $VMMS " in
	*" smolvm-b "*) [ -n "${SMOLVM_B:-}" ] || bench_usage "VMM smolvm-b needs SMOLVM_B" ;;
	esac
}

# bench_watchdog_settings: HEARTBEAT [30], STALL_TIMEOUT [240] and RETRIES [3] for
# bench_l1_sessions, checked.
bench_watchdog_settings() {
	HEARTBEAT=${HEARTBEAT:-30}
	STALL_TIMEOUT=${STALL_TIMEOUT:-240}
	RETRIES=${RETRIES:-3}
	bench_positive STALL_TIMEOUT
	case $HEARTBEAT$RETRIES in
	'' | *[!0-9]*) bench_usage "HEARTBEAT and RETRIES must be numbers" ;;
	esac
	[ "$HEARTBEAT" -eq 0 ] || [ "$STALL_TIMEOUT" -gt $((HEARTBEAT * 2)) ] ||
		bench_usage "STALL_TIMEOUT must exceed 2 x HEARTBEAT"
}

# bench_workdir: WORK = BENCH_OUT/BENCH, as an absolute path (BENCH_OUT is created).
bench_workdir() {
	mkdir -p "$BENCH_OUT"
	WORK=$(cd "$BENCH_OUT" && pwd)/$BENCH
}

# bench_render REPORT_PY: the markdown report of the run in WORK, to stdout and
# BENCH_OUT/BENCH.md.
bench_render() {
	$PY "$1" "$WORK" >"$BENCH_OUT/$BENCH.md" || bench_die "$1 failed"
	cat "$BENCH_OUT/$BENCH.md"
}

# bench_report_only REPORT_PY: with --report, renders the last run's report and exits.
bench_report_only() {
	[ "$REPORT_ONLY" = 1 ] || return 0
	[ -s "$WORK/results.tsv" ] || bench_die "no results in $WORK: run without --report first"
	bench_render "$1"
	exit 0
}

bench_need_tool() { # bench_need_tool TOOL PACKAGE
	command -v "$1" >/dev/null 2>&1 && return 0
	bench_log "installing $2 (for $1)"
	apt-get install -y "$2" >&2 || bench_die "could not install $2"
}

# bench_python: PY, the python3 for the report.
bench_python() {
	PY=/usr/bin/python3
	[ -x $PY ] || PY=$(command -v python3) || bench_die "python3 is needed for the statistics"
}

# The tools every x86_64 benchmark needs; sets PY.
bench_tools() {
	bench_need_tool qemu-system-x86_64 qemu-system-x86
	bench_need_tool cpio cpio
	bench_need_tool gcc gcc
	[ -x /bin/busybox ] || bench_need_tool busybox busybox-static
	bench_python
}

# bench_smolvm: a private copy of smolvm in WORK (a rebuild by someone else during the run
# changes nothing): SMOLVM if set, else `make smolvm`; and of SMOLVM_B if set. Sets
# SMOLVM_REV.
bench_smolvm() {
	if [ -n "${SMOLVM:-}" ]; then
		[ -x "$SMOLVM" ] || bench_die "SMOLVM=$SMOLVM is not executable"
		SMOLVM_REV="given as SMOLVM=$SMOLVM"
	else
		bench_log "make smolvm"
		make -s smolvm >&2 || bench_die "make smolvm failed"
		SMOLVM=build/smolvm
		SMOLVM_REV="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
		b_dirty=$(git diff --name-only HEAD -- src 2>/dev/null | tr '\n' ' ')
		[ -z "$b_dirty" ] || SMOLVM_REV="$SMOLVM_REV + uncommitted changes in ${b_dirty% }"
	fi
	file -L "$SMOLVM" 2>/dev/null | grep -q 'statically linked' ||
		bench_log "warning: $SMOLVM is not statically linked (it runs in L1 from the host root, so it may still work)"
	cp "$SMOLVM" "$WORK/smolvm"
	# A second smolvm to compare with, in the same L1 (VMM smolvm-b): e.g. a build before a
	# change.
	if [ -n "${SMOLVM_B:-}" ]; then
		[ -x "$SMOLVM_B" ] || bench_die "SMOLVM_B=$SMOLVM_B is not executable"
		cp "$SMOLVM_B" "$WORK/smolvm-b"
	fi
}

# bench_kernels FEATURES: the L2 kernel (the project's minimal build, which must have
# FEATURES built in) as WORK/kernel, its description in WORK/kernels.txt and KINFO; the L1
# kernel tree in L1KDIR.
bench_kernels() {
	b_dir=$(kernels/linux/build.sh --print-path 2>/dev/null | tail -n 1 || true)
	if [ -z "$b_dir" ] || [ ! -f "$b_dir/bzImage" ]; then
		bench_die "no minimal kernel: run kernels/linux/build.sh first (it has $1 built in)"
	fi
	cp "$b_dir/bzImage" "$WORK/kernel"
	KINFO="the project's kernels/linux build, $(sed -n 's/^kernel: //p' "$b_dir/build-info" 2>/dev/null) (bzImage, $(stat -c %s "$b_dir/bzImage") bytes)"
	echo "$KINFO" >"$WORK/kernels.txt"
	bench_l1_kernel
}

# bench_l1_kernel: L1KDIR, the x86_64 L1's kernel tree (Debian's generic kernel).
bench_l1_kernel() {
	L1KDIR=$(scripts/fetch-debian-kernel.sh --cached --flavour generic amd64 | tail -n 1)
	[ -d "$L1KDIR" ] || bench_die "no Debian generic kernel for L1"
}

# bench_static NAME SOURCE [GCC ARGS]: a static helper binary WORK/NAME, built with
# BENCH_CC [gcc].
bench_static() {
	b_name=$1 b_src=$2
	shift 2
	${BENCH_CC:-gcc} -std=gnu17 -O2 -Wall -Wextra -Werror -static "$@" -o "$WORK/$b_name" \
		"$b_src" || bench_die "building $b_src failed"
}

# bench_conf: WORK/bench.conf with the settings every L1 script reads (WORK VMMS ROUNDS
# MEM RUN_TIMEOUT CMDLINE L1_MEM L1_SMP HEARTBEAT SMOLVM_REV SMOLVM_B), then the
# benchmark's own lines from stdin.
bench_conf() {
	cat >"$WORK/bench.conf" <<EOF
WORK='$WORK'
VMMS='$VMMS'
ROUNDS=$ROUNDS
MEM=$MEM
RUN_TIMEOUT=$RUN_TIMEOUT
CMDLINE='$CMDLINE'
L1_MEM='$L1_MEM'
L1_SMP=${L1_SMP:-1}
HEARTBEAT=${HEARTBEAT:-0}
SMOLVM_REV='${SMOLVM_REV:-}'
SMOLVM_B='${SMOLVM_B:-}'
EOF
	cat >>"$WORK/bench.conf"
}

# bench_run_l1 [RUN-L1 ARGS...]: one L1 session running bench/$BENCH-l1.sh; sets rc
# (run-l1.sh's status). The watchdog: with HEARTBEAT on, L1 writes a console line at
# least every HEARTBEAT seconds while it lives; a console silent for STALL_TIMEOUT
# seconds means L1 has stalled (seen twice in about ten sessions while bench/disk.sh was
# written: L1's QEMU idle at ~0% CPU and no timeout inside L1 firing), and L1's QEMU is
# stopped through the `timeout` process run-l1.sh started it under.
bench_run_l1() {
	rc=0
	# The work directory, writable in L1 at its host path (tests/harness/l1-hostroot.sh).
	echo "$WORK" >"$WORK/shares"
	# multidevs=remap: the host root spans several file systems (/, /proc, /sys, ...)
	# whose inode numbers collide; without it L1's 9p client mixes up /proc and /sys
	# and the proc mount in the chroot disappears.
	tests/harness/x86_64/run-l1.sh --script "bench/$BENCH-l1.sh" \
		--file "$WORK/bench.conf:/harness/bench.conf" --file bench/lib-l1.sh:/harness/lib-l1.sh \
		--file tests/harness/l1-hostroot.sh:/harness/l1-hostroot.sh --file "$WORK/shares:/harness/shares" \
		--kernel-dir "$L1KDIR" --module virtio_pci --module 9pnet_virtio --module 9p \
		--mem "$L1_MEM" --smp "$L1_SMP" --timeout "$L1_TIMEOUT" --log "$WORK/l1-console.log" \
		--qemu-arg -virtfs --qemu-arg "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
		--qemu-arg -virtfs --qemu-arg "local,path=$WORK,mount_tag=share0,security_model=none" \
		"$@" >&2 &
	b_pid=$!
	while [ "$HEARTBEAT" -gt 0 ] && kill -0 "$b_pid" 2>/dev/null; do
		sleep 5
		b_age=$(($(date +%s) - $(stat -c %Y "$WORK/l1-console.log" 2>/dev/null || date +%s)))
		if [ "$b_age" -gt "$STALL_TIMEOUT" ]; then
			bench_log "L1 console silent for $b_age s: L1 stalled, stopping it"
			for b_c in $(pgrep -P "$b_pid" -x timeout); do
				kill -TERM "$b_c" 2>/dev/null || true
			done
			break
		fi
	done
	wait "$b_pid" || rc=$?
}

# bench_l1_sessions [RUN-L1 ARGS...]: L1 sessions until one finishes the benchmark
# (BENCH-DONE on its console), at most 1 + RETRIES. A session that did not finish leaves
# its console log and results in WORK/attemptN; the next one resumes with the first round
# not every VMM finished (l1_resume). Fails without results.
bench_l1_sessions() {
	b_t0=$(date +%s)
	b_attempt=1
	while :; do
		bench_run_l1 "$@"
		bench_log "L1 finished after $(($(date +%s) - b_t0)) s, status $rc"
		grep -q BENCH-DONE "$WORK/l1-console.log" && break
		[ "$b_attempt" -le "$RETRIES" ] || break
		bench_log "L1 did not finish the benchmark: attempt $b_attempt kept in $WORK/attempt$b_attempt, resuming in a new L1"
		mkdir -p "$WORK/attempt$b_attempt"
		mv "$WORK/l1-console.log" "$WORK/l1-info.txt" "$WORK/attempt$b_attempt/" 2>/dev/null || true
		cp "$WORK/results.tsv" "$WORK/attempt$b_attempt/" 2>/dev/null || true
		b_attempt=$((b_attempt + 1))
	done
	[ -s "$WORK/results.tsv" ] || bench_die "no results from L1 (status $rc); see $WORK/l1-console.log"
	grep -q BENCH-DONE "$WORK/l1-console.log" ||
		bench_log "warning: L1 did not finish the benchmark (status $rc)"
}

# ---- L1 side -----------------------------------------------------------------------------

# l1_chroot STAGE2 (stage 1, busybox sh in L1's initramfs): reads /harness/bench.conf
# (WORK = host path of the work directory), mounts the host root read-only at /host and the
# work directory writable over it (tests/harness/l1-hostroot.sh), plus debugfs, and runs
# `sh WORK/STAGE2 --in-chroot WORK` chrooted there; returns its status.
l1_chroot() {
	. /harness/bench.conf || return 1
	. /harness/l1-hostroot.sh
	hostroot_mount || {
		echo "BENCH-ERROR: cannot mount the host root or the work directory over 9p"
		lsmod 2>/dev/null | head -n 30
		return 1
	}
	# KVM's exit counters (per-test snapshots by vmmrun)
	mount -t debugfs debugfs /host/sys/kernel/debug 2>/dev/null ||
		echo "BENCH-INFO: no debugfs: no KVM exit counters"
	env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LANG=C TERM=dumb chroot /host /bin/sh "$WORK/$1" --in-chroot "$WORK"
	l_rc=$?
	hostroot_umount
	return $l_rc
}

# l1_heartbeat: with HEARTBEAT=N in bench.conf, L1 prints its uptime every N seconds, so
# that the host's watchdog can tell a stalled L1 from a long run.
l1_heartbeat() {
	if [ "${HEARTBEAT:-0}" -gt 0 ]; then
		(while sleep "$HEARTBEAT"; do echo "BENCH-HEARTBEAT $(cut -d ' ' -f 1 /proc/uptime)"; done) &
	fi
}

# l1_order ROUND VMM...: the VMMs in the order of round ROUND: rotated to start at VMM
# number ROUND mod (number of VMMs), so that no VMM always runs first or after another.
l1_order() {
	l_r=$1
	shift
	l_i=0
	while [ $l_i -lt $((l_r % $#)) ]; do
		l_first=$1
		shift
		set -- "$@" "$l_first"
		l_i=$((l_i + 1))
	done
	echo "$@"
}

# l1_resume VMM...: the first measured round to run, printed. After an L1 session that
# stalled (bench_l1_sessions), the next one goes on where it stopped: the rounds that
# every VMM finished are kept from WORK/results.tsv (each round's runs come from one L1,
# so rounds stay comparable), the warm-up and the round that was cut short run again.
# Starts /tmp/bench/results.tsv with the lines kept.
l1_resume() {
	: >/tmp/bench/results.tsv
	l_next=1
	while [ -s "$WORK/results.tsv" ]; do
		l_done=$(awk -F '\t' -v r=$l_next '$1 == r { print $2 }' "$WORK/results.tsv" | sort -u | wc -l)
		[ "$l_done" -ge $# ] || break
		awk -F '\t' -v r=$l_next '$1 == r' "$WORK/results.tsv" >>/tmp/bench/results.tsv
		l_next=$((l_next + 1))
	done
	[ $l_next -eq 1 ] || echo "BENCH-INFO: resuming at round $l_next: rounds 1 to $((l_next - 1)) were finished by an earlier L1" >&2
	echo $l_next
}

# l1_setup FILE...: the chroot's start in stage 2: the tmpfs directory /tmp/bench (runs/
# below it) and WORK/runs, FILE... (and smolvm-b if there is one) copied from WORK into
# /tmp/bench; QEMU = the host root's qemu-system-x86_64. Fails with a BENCH-ERROR line if
# anything is missing, /dev/kvm included.
l1_setup() {
	mkdir -p /tmp/bench/runs "$WORK/runs" || return 1
	for l_f in "$@"; do
		cp "$WORK/$l_f" /tmp/bench/ || return 1
	done
	[ ! -f "$WORK/smolvm-b" ] || cp "$WORK/smolvm-b" /tmp/bench/ || return 1
	QEMU=$(command -v qemu-system-x86_64) || {
		echo "BENCH-ERROR: no qemu-system-x86_64 in the host root"
		return 1
	}
	[ -c /dev/kvm ] || {
		echo "BENCH-ERROR: no /dev/kvm in L1"
		return 1
	}
}

# l1_rounds WARMUP_ARGS ARGS: the rounds of a device benchmark, each calling the caller's
# `run ROUND VMM ARGS` for every VMM: round 0, the warm-up (discarded; it loads QEMU and its
# libraries over 9p) with WARMUP_ARGS, then the measured rounds (from l1_resume: after an
# L1 that stalled, the first one not finished) with ARGS, the VMM order rotating.
l1_rounds() {
	# Before the warm-up, which adds to the results.
	# shellcheck disable=SC2086 # a list
	l_rnd=$(l1_resume $VMMS)
	for l_rv in $VMMS; do
		run 0 "$l_rv" "$1"
	done
	while [ "$l_rnd" -le "$ROUNDS" ]; do
		# shellcheck disable=SC2046,SC2086 # lists
		for l_rv in $(l1_order "$l_rnd" $VMMS); do
			run "$l_rnd" "$l_rv" "$2"
		done
		l_rnd=$((l_rnd + 1))
	done
}

# l1_facts QEMU: L1 facts the x86_64 benchmarks report, one per line.
l1_facts() {
	echo "L1 kernel: $(uname -r)"
	echo "L1 CPUs: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
	echo "L1 MemTotal: $(awk '/MemTotal/ {print $2}' /proc/meminfo) kB"
	echo "kvm_amd nested=$(cat /sys/module/kvm_amd/parameters/nested 2>/dev/null) npt=$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null)" \
		"halt_poll_ns=$(cat /sys/module/kvm/parameters/halt_poll_ns 2>/dev/null)"
	echo "QEMU in L1: $($1 --version | head -n 1)"
	echo "smolvm: $(/tmp/bench/smolvm --version 2>&1)"
}

# l1_run ROUND VMM BASE TRIGGERS -- CMD...: one boot of CMD under vmmrun (TIMEOUT =
# RUN_TIMEOUT; console in BASE.out, stderr in BASE.err, L1 counter snapshots in
# BASE.stats at each console line containing one of the space-separated TRIGGERS; the
# hist files in HISTARGS), one line in /tmp/bench/results.tsv:
#   round vmm total_us status maxrss_kb utime_us stime_us
# copied with the run's files to WORK, and BENCH-START and BENCH-RUN console lines. Sets
# l_status.
l1_run() {
	l_r=$1 l_v=$2 l_base=$3 l_trig=
	for l_t in $4; do
		l_trig="$l_trig -s $l_t"
	done
	shift 5
	# Which run was going on, should L1 stall.
	echo "BENCH-START round=$l_r vmm=$l_v"
	# shellcheck disable=SC2086 # lists
	l_line=$(/tmp/bench/vmmrun -t "$RUN_TIMEOUT" -o "$l_base.out" -S "$l_base.stats" $l_trig \
		${HISTARGS:-} -- "$@" 2>"$l_base.err")
	# total_us=N status=N maxrss_kb=N utime_us=N stime_us=N -> N N N N N
	# shellcheck disable=SC2046 # split on purpose
	set -- $(echo "$l_line" | sed 's/[a-z_]*=//g')
	if [ $# -ne 5 ]; then
		set -- -1 255 0 0 0
		echo "vmmrun failed: $l_line" >>"$l_base.err"
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$l_r" "$l_v" "$1" "$2" "$3" "$4" "$5" \
		>>/tmp/bench/results.tsv
	mkdir -p "$WORK/runs"
	cp "$l_base.out" "$l_base.err" "$l_base.stats" "$WORK/runs/" 2>/dev/null
	cp /tmp/bench/results.tsv "$WORK/results.tsv"
	echo "BENCH-RUN round=$l_r vmm=$l_v total_ms=$(($1 / 1000)) status=$2 rss_kb=$3 cpu_ms=$((($4 + $5) / 1000))"
	# shellcheck disable=SC2034 # for the caller
	l_status=$2
}

# l1_failed BASE [OUT_LINES [ERR_LINES]]: the end of a failed run's console (15 lines) and
# stderr (10) on L1's console.
l1_failed() {
	tr -d '\r' <"$1.out" | tail -n "${2:-15}" | sed 's/^/  | /'
	tail -n "${3:-10}" "$1.err" | sed 's/^/  ! /'
}

# l1_boot BOOTTIME BASE -- CMD...: one boot of CMD timed by BOOTTIME
# (bench/linux/boottime.c: process start to MARKER on its stdout, and to its exit; the VMM
# is killed at the message of a kernel that halts instead of powering off, status 125;
# TIMEOUT = RUN_TIMEOUT), console in BASE.out, stderr in BASE.err. Sets l_marker_us,
# l_total_us, l_status and l_rss_kb (-1 -1 255 0 if BOOTTIME failed).
l1_boot() {
	l_bt=$1 l_base=$2
	shift 3
	l_line=$("$l_bt" -t "$RUN_TIMEOUT" -x "reboot: System halted" -o "$l_base.out" \
		"$MARKER" -- "$@" 2>"$l_base.err")
	# marker_us=N total_us=N status=N maxrss_kb=N -> N N N N
	# shellcheck disable=SC2046 # split on purpose
	set -- $(echo "$l_line" | sed 's/[a-z_]*=//g')
	if [ $# -ne 4 ]; then
		echo "boottime failed: $l_line" >>"$l_base.err"
		set -- -1 -1 255 0
	fi
	# shellcheck disable=SC2034 # for the caller
	l_marker_us=$1 l_total_us=$2 l_status=$3 l_rss_kb=$4
}

# l1_boot_failed: true if the last l1_boot saw no marker or an exit status other than 0 and
# 125 (a guest that halted after the marker).
l1_boot_failed() {
	[ "$l_marker_us" -lt 0 ] || { [ "$l_status" -ne 0 ] && [ "$l_status" -ne 125 ]; }
}
