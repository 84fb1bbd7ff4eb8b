# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# lib.sh: helpers for integration tests that run smolvm on /dev/kvm: the host's (x86_64,
# tests/integration/run.sh, bash) or that of the aarch64 harness's L1 (bare-tests.sh,
# busybox sh), so POSIX sh only. The cases themselves are in cases.sh.
# A test runs a command, then checks its exit status and output; each check that fails
# prints what was expected and the captured output. The summary line is the one CI reads.
# With INTEGRATION_REPORT=harness (and tests/harness/lib.sh sourced), verdicts are the
# harness's TEST-BEGIN / TEST-RESULT console lines instead (t_begin, t_pass, ...).

PASSED=0
FAILED=0
SKIPPED=0
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

i__harness() {
	[ "${INTEGRATION_REPORT:-}" = harness ]
}

# run NAME [--stdin FILE] -- COMMAND...: runs COMMAND with a timeout, keeping stdout,
# stderr and the exit status for the checks that follow.
run() {
	CUR=$1
	shift
	r_input=/dev/null
	if [ "$1" = "--stdin" ]; then
		r_input=$2
		shift 2
	fi
	[ "$1" = "--" ] && shift
	CUR_FAIL=0
	CUR_WHY=
	! i__harness || t_begin "$CUR"
	timeout 60 "$@" <"$r_input" >"$WORK/out" 2>"$WORK/err"
	STATUS=$?
}

fail_check() {
	echo "FAIL $CUR: $*"
	echo "  --- stdout (last 20 lines)"; tail -n 20 "$WORK/out" | sed 's/^/  | /'
	echo "  --- stderr (last 20 lines)"; tail -n 20 "$WORK/err" | sed 's/^/  | /'
	CUR_FAIL=1
	[ -n "$CUR_WHY" ] || CUR_WHY=$*
}

expect_status() {
	[ "$STATUS" -eq "$1" ] || fail_check "exit status $STATUS, expected $1"
}

# expect_out REGEX / expect_err REGEX: extended regex must match a line of stdout/stderr.
expect_out() {
	grep -Eq -- "$1" "$WORK/out" || fail_check "stdout does not match /$1/"
}
expect_err() {
	grep -Eq -- "$1" "$WORK/err" || fail_check "stderr does not match /$1/"
}
expect_no_err() {
	! grep -Eq -- "$1" "$WORK/err" || fail_check "stderr unexpectedly matches /$1/"
}

# done_test: records the verdict of the current test.
done_test() {
	if [ "$CUR_FAIL" = 0 ]; then
		if i__harness; then t_pass "$CUR"; else echo "ok   $CUR"; fi
		PASSED=$((PASSED + 1))
	else
		! i__harness || t_fail "$CUR" "$CUR_WHY"
		FAILED=$((FAILED + 1))
	fi
}

skip_test() {
	if i__harness; then t_skip "$1" "$2"; else echo "SKIP $1: $2"; fi
	SKIPPED=$((SKIPPED + 1))
}

# note TEXT: something worth seeing in the log that is not a failure.
note() {
	echo "NOTE: $*"
}

summary() {
	echo "integration: $PASSED passed, $FAILED failed, $SKIPPED skipped"
	if i__harness; then t_end; else [ "$FAILED" = 0 ]; fi
}
