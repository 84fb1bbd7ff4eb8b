# bare-tests.sh: runs inside the aarch64 L1 (or on any arm64 host: `make test-integration`
# there): the cases of tests/integration/cases.sh for aarch64, on /dev/kvm: the built-in
# guest, the smolkernel and the tiny test guests (tests/guests/aarch64), and every bad-input
# path. In L1 the guests sit in /l2/guests, the smolkernel in /l2/smolkernel.{bin,elf} and
# the integration library in /harness/integration; the environment can point elsewhere:
# SMOLVM, GUESTS, SMOLKERNEL (the .bin; the .elf beside it), X86_ELF (any x86_64 ELF),
# HARNESS_LIB, INTEGRATION_DIR. Verdicts are the harness's TEST-RESULT lines.
# shellcheck source=tests/harness/lib.sh
. "${HARNESS_LIB:-/harness/lib.sh}"
INTEGRATION_DIR=${INTEGRATION_DIR:-/harness/integration}
INTEGRATION_REPORT=harness
ARCH=aarch64
SMOLVM=${SMOLVM:-/bin/smolvm}
G=${GUESTS:-/l2/guests}
K=${SMOLKERNEL:-/l2/smolkernel.bin}
X86_ELF=${X86_ELF:-/l2/x86.elf}
# shellcheck source=tests/integration/lib.sh
. "$INTEGRATION_DIR/lib.sh"
# shellcheck source=tests/integration/cases.sh
. "$INTEGRATION_DIR/cases.sh"

integration_cases
summary
