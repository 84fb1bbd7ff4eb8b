# SPDX-License-Identifier: MIT
# lib.sh: helpers for integration tests that run smolvm on the host /dev/kvm.
# A test runs a command, then checks its exit status and output; each check that fails
# prints what was expected and the captured output. The summary line is the one CI reads.

PASSED=0
FAILED=0
SKIPPED=0
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# run NAME [--stdin FILE] -- COMMAND...: runs COMMAND with a timeout, keeping stdout,
# stderr and the exit status for the checks that follow.
run() {
	CUR=$1
	shift
	local input=/dev/null
	if [ "$1" = "--stdin" ]; then
		input=$2
		shift 2
	fi
	[ "$1" = "--" ] && shift
	CUR_FAIL=0
	timeout 60 "$@" <"$input" >"$WORK/out" 2>"$WORK/err"
	STATUS=$?
}

fail_check() {
	echo "FAIL $CUR: $*"
	echo "  --- stdout (last 20 lines)"; tail -n 20 "$WORK/out" | sed 's/^/  | /'
	echo "  --- stderr (last 20 lines)"; tail -n 20 "$WORK/err" | sed 's/^/  | /'
	CUR_FAIL=1
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
		echo "ok   $CUR"
		PASSED=$((PASSED + 1))
	else
		FAILED=$((FAILED + 1))
	fi
}

skip_test() {
	echo "SKIP $1: $2"
	SKIPPED=$((SKIPPED + 1))
}

summary() {
	echo "integration: $PASSED passed, $FAILED failed, $SKIPPED skipped"
	[ "$FAILED" = 0 ]
}
