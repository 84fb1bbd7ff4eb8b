# shellcheck shell=sh
# tests/harness/lib.sh: test helpers for the nested harness.  POSIX sh, so it
# works both under busybox sh inside L1 (run-l1.sh puts it at
# /harness/lib.sh) and under bash on the host.
#
# Inside L1 (in a test script given to run-l1.sh --script):
#     . /harness/lib.sh
#     t_begin boot-l2
#     if ./smolvm ...; then t_pass boot-l2; else t_fail boot-l2 "smolvm exit $?"; fi
#     t_run kvm-smoke /kvm-smoke          # begin + run + pass/fail by exit code
#     t_skip arm-only "not on x86_64"
#     t_end                               # prints a summary, returns 1 if any failed
# They print machine-readable lines on the console:
#     TEST-BEGIN NAME
#     TEST-RESULT NAME PASS
#     TEST-RESULT NAME FAIL why
#     TEST-RESULT NAME SKIP why
#     TEST-TIME NAME SECONDS              (time since t_begin, from /proc/uptime)
# Test names must not contain spaces (spaces are turned into '_').
#
# On the host:
#     t_report LOGFILE     (or tests/harness/report.sh LOGFILE)
# prints one line per test, for each failure the last $T_CONTEXT (default 50)
# console lines before it, and last a line "N passed, M failed" (with
# ", K skipped" when tests were skipped).  It returns 1 if a test failed, if no
# TEST-RESULT line was found, if a test began but never reported (crash or
# timeout), or if the harness reported a timeout, a missing /dev/kvm or a
# non-zero script exit; each of those counts as a failed test named
# 'harness:...' or after the test that began.

T_PASSED=0
T_FAILED=0
T_SKIPPED=0
T_CURRENT=""
T_START=""

t__now() {
	if [ -r /proc/uptime ]; then
		read -r t__up _ </proc/uptime && echo "$t__up"
	else
		date +%s
	fi
}

t__name() {
	printf '%s' "${1:-${T_CURRENT:-unnamed}}" | tr ' \t' '__'
}

t__time() { # t__time NAME: print TEST-TIME if the test was begun
	if [ -n "$T_START" ] && [ "$T_CURRENT" = "$1" ]; then
		echo "TEST-TIME $1 $(awk -v a="$T_START" -v b="$(t__now)" 'BEGIN { printf "%.2f", b - a }')"
	fi
	T_CURRENT=""
	T_START=""
}

# t_begin NAME
t_begin() {
	T_CURRENT="$(t__name "${1:-}")"
	T_START="$(t__now)"
	echo "TEST-BEGIN $T_CURRENT"
}

# t_pass [NAME]   (default: the test begun last)
t_pass() {
	t__n="$(t__name "${1:-}")"
	t__time "$t__n"
	echo "TEST-RESULT $t__n PASS"
	T_PASSED=$((T_PASSED + 1))
}

# t_fail NAME [WHY...]
t_fail() {
	t__n="$(t__name "${1:-}")"
	[ $# -eq 0 ] || shift
	t__time "$t__n"
	echo "TEST-RESULT $t__n FAIL ${*:-no reason given}"
	T_FAILED=$((T_FAILED + 1))
}

# t_skip NAME [WHY...]
t_skip() {
	t__n="$(t__name "${1:-}")"
	[ $# -eq 0 ] || shift
	t__time "$t__n"
	echo "TEST-RESULT $t__n SKIP ${*:-no reason given}"
	T_SKIPPED=$((T_SKIPPED + 1))
}

# t_run NAME CMD [ARGS...]: begin NAME, run CMD, pass if it exits 0.
t_run() {
	t__rn="$(t__name "${1:-}")"
	shift
	t_begin "$t__rn"
	if "$@"; then
		t_pass "$t__rn"
	else
		t__rc=$?
		t_fail "$t__rn" "exit status $t__rc from: $*"
	fi
}

# t_end: print the in-guest summary; return 1 if any test failed.
t_end() {
	echo "TEST-SUMMARY passed=$T_PASSED failed=$T_FAILED skipped=$T_SKIPPED"
	[ "$T_FAILED" -eq 0 ]
}

# t_report LOGFILE: host-side summary of a console log (see the top).
t_report() {
	if [ $# -ne 1 ] || [ ! -r "$1" ]; then
		echo "t_report: usage: t_report LOGFILE (readable console log)" >&2
		return 2
	fi
	awk -v ctx="${T_CONTEXT:-50}" '
	function result(name, status, why,    i, n, start) {
		if (status == "PASS") {
			npass++
			printf "PASS %s%s\n", name, (name in tm) ? " (" tm[name] " s)" : ""
		} else if (status == "SKIP") {
			nskip++
			printf "SKIP %s: %s\n", name, why
		} else {
			nfail++
			printf "FAIL %s: %s\n", name, why
			n = (nbuf < ctx) ? nbuf : ctx
			if (n > 0)
				printf "  --- last %d console lines before the failure ---\n", n
			start = nbuf - n
			for (i = start; i < nbuf; i++)
				printf "  | %s\n", buf[i % ctx]
			if (n > 0)
				printf "  ---\n"
		}
		delete begun[name]
	}
	{
		sub(/\r+$/, "")
		line = $0
		p = index(line, "TEST-RESULT ")
		q = index(line, "TEST-BEGIN ")
		t = index(line, "TEST-TIME ")
		h = index(line, "HARNESS: ")
		if (p > 0) {
			rest = substr(line, p + 12)
			split(rest, f, " ")
			name = f[1]; status = f[2]
			why = rest
			sub(/^[^ ]+ +[^ ]+ */, "", why)
			if (status != "PASS" && status != "SKIP" && status != "FAIL") {
				why = "malformed result line: " line; status = "FAIL"
			}
			if (why == "") why = "no reason given"
			nres++
			result(name, status, why)
		} else if (q > 0) {
			split(substr(line, q + 11), f, " ")
			begun[f[1]] = 1; last_begun = f[1]
		} else if (t > 0) {
			split(substr(line, t + 10), f, " ")
			tm[f[1]] = f[2]
		} else if (h > 0) {
			msg = substr(line, h + 9)
			if (msg ~ /^no \/dev\/kvm/) nokvm = 1
			else if (msg ~ /^TIMEOUT/) timeout = msg
			else if (msg ~ /^script exit [0-9]+/) { split(msg, f, " "); sexit = f[3] + 0; have_exit = 1 }
		}
		buf[nbuf % ctx] = line
		nbuf++
	}
	END {
		nun = 0
		for (name in begun) unfinished[++nun] = name
		for (i = 1; i <= nun; i++)
			result(unfinished[i], "FAIL", timeout != "" ? "no result: harness " timeout : "no result (test crashed or hung, or L1 died)")
		if (nokvm)
			result("harness:kvm", "FAIL", "L1 had no /dev/kvm")
		if (timeout != "" && nun == 0)
			result("harness:timeout", "FAIL", timeout)
		if (have_exit && sexit != 0 && nfail == 0)
			result("harness:script-exit", "FAIL", "test script exited with status " sexit)
		if (nres == 0 && nfail == 0)
			result("harness:no-results", "FAIL", "no TEST-RESULT lines in the log")
		printf "%d passed, %d failed%s\n", npass, nfail, nskip ? ", " nskip " skipped" : ""
		exit nfail > 0 ? 1 : 0
	}' "$1"
}

# ---- Linux guests' console output (x86_64 and aarch64 linux-tests.sh) ------------------
# Their run()/boot() leave a guest's output in /tmp/NAME.out (CRs removed) and smolvm's stderr
# in /tmp/NAME.err.

# fail NAME WHY: shows the guest's last output and smolvm's stderr, then reports the failure.
fail() {
	echo "----- $1: last 40 lines of guest output"
	tail -n 40 "/tmp/$1.out"
	echo "----- $1: smolvm stderr"
	tail -n 20 "/tmp/$1.err"
	t_fail "$1" "$2"
}

# value NAME KEY: the text after "KEY:" on the last guest output line with it (a prompt may
# precede it; the kernel's echo of typed-ahead commands comes earlier).
value() {
	sed -n "s/.*$2://p" "/tmp/$1.out" | tail -n 1
}

# mark NAME KEY: the text after "KEY:" on the last guest output line that starts with it
# (after shell prompts: with typed-ahead input and echo off, "/ # " precedes the output).
# Strict: a line with a byte missing, or split by anything, does not count.
mark() {
	sed -n "s/^\([^ ]* # \)*$2://p" "/tmp/$1.out" | tail -n 1
}

# burst_check NAME N NEXT: prints what is wrong with the guest's "echo MARK-BURST; seq 1 N"
# output in /tmp/NAME.out (every line whole, in order) and the line after it, which must
# start with NEXT; prints nothing if all is right.
burst_check() {
	awk -v n="$2" -v next_key="$3" '
		{ sub(/^([^ ]* # )+/, "") }
		!started && $0 == "MARK-BURST" { started = 1; want = 1; next }
		!started { next }
		want <= n { if ($0 != want) { bad = "line " want " of the burst is \"" $0 "\""; exit }
			want++; next }
		{ if (index($0, next_key) != 1) bad = "the line after the burst is \"" $0 "\""
			done = 1; exit }
		END { if (!started) print "no burst in the output"; else if (bad != "") print bad
			else if (!done) print "the output ends inside the burst, at line " want }
	' "/tmp/$1.out"
}

# irq_total "LINE": sums the per-CPU counts of a /proc/interrupts line.
irq_total() {
	echo "$1" | awk '{ s = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; else break; print s }'
}
