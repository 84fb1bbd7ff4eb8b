# l1-tests.sh: the test script of the aarch64 L1 (run-all.sh gives it to aarch64/run-l1.sh):
# the bare-metal guests and bad-input checks (bare-tests.sh), then the Linux guests
# (linux-tests.sh), in one L1 boot. Exit status 1 if either had a failure.
sh /harness/bare-tests.sh
bare=$?
sh /harness/linux-tests.sh
linux=$?
echo "l1-tests: bare-tests.sh exit $bare, linux-tests.sh exit $linux"
[ "$bare" = 0 ] && [ "$linux" = 0 ]
