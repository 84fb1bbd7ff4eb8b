# bare-tests.sh: runs inside the aarch64 L1 (or on any arm64 host: `make test-integration`
# there). smolvm's aarch64 build on /dev/kvm with the built-in guest, the smolkernel and the
# tiny test guests (tests/guests/aarch64), and every bad-input path that needs an arm64 host.
# In L1 the guests sit in /l2/guests and the smolkernel in /l2/smolkernel.{bin,elf}; the
# environment can point elsewhere: SMOLVM, GUESTS, SMOLKERNEL (the .bin; the .elf beside
# it), X86_ELF (any x86_64 ELF), HARNESS_LIB.
. "${HARNESS_LIB:-/harness/lib.sh}"

SMOLVM=${SMOLVM:-/bin/smolvm}
G=${GUESTS:-/l2/guests}
K=${SMOLKERNEL:-/l2/smolkernel.bin}
X86_ELF=${X86_ELF:-/l2/x86.elf}
T=${TMPDIR:-/tmp}/bare.$$
mkdir -p "$T"

if [ ! -e /dev/kvm ]; then
	echo "SKIP: /dev/kvm does not exist here: every aarch64 guest test is SKIPPED"
	t_skip aarch64-guest-tests "no /dev/kvm"
	rm -rf "$T"
t_end
	exit $?
fi

# run NAME [SMOLVM ARGS...] < input: output in $T/NAME.out and .err, status in $RC.
run() {
	r_name=$1
	shift
	timeout 60 "$SMOLVM" "$@" >"$T/$r_name.out" 2>"$T/$r_name.err"
	RC=$?
}

fail() {
	echo "----- $1: stdout"
	tail -n 30 "$T/$1.out"
	echo "----- $1: stderr"
	tail -n 40 "$T/$1.err"
	t_fail "$1" "$2"
}

# expect NAME STATUS [GREP-E PATTERN IN STDOUT] [PATTERN IN STDERR]
expect() {
	if [ "$RC" != "$2" ]; then
		fail "$1" "exit status $RC, expected $2"
	elif [ -n "${3:-}" ] && ! grep -q -E -- "$3" "$T/$1.out"; then
		fail "$1" "stdout lacks /$3/"
	elif [ -n "${4:-}" ] && ! grep -q -E -- "$4" "$T/$1.err"; then
		fail "$1" "stderr lacks /$4/"
	else
		t_pass "$1"
	fi
}

t_begin builtin-guest
run builtin-guest </dev/null
expect builtin-guest 0 '^Hello from the smolvm built-in guest!$'

# The smolkernel: every register line, plausible values, the PL011's ID, SYSTEM_OFF -> 0.
check_smolkernel() {
	c_name=$1
	shift
	t_begin "$c_name"
	run "$c_name" "$@" </dev/null
	out="$T/$c_name.out"
	missing=""
	for r in VBAR_EL1 MIDR_EL1 MPIDR_EL1 MDSCR_EL1 SCTLR_EL1 SPSR_EL1 TCR_EL1 TTBR0_EL1 \
		TTBR1_EL1 ESR_EL1 ELR_EL1 MAIR_EL1 CPACR_EL1 DAIF ID_AA64MMFR0_EL1 \
		ID_AA64MMFR1_EL1 ID_AA64MMFR2_EL1; do
		grep -q -E "^$r +0x[0-9a-f]{16}$" "$out" || missing="$missing $r"
	done
	midr=$(sed -n 's/^MIDR_EL1 *//p' "$out")
	mpidr=$(sed -n 's/^MPIDR_EL1 *//p' "$out")
	daif=$(sed -n 's/^DAIF *//p' "$out")
	el=$(sed -n 's/^CurrentEL *//p' "$out")
	if [ "$RC" != 0 ]; then
		fail "$c_name" "exit status $RC, expected 0 (PSCI SYSTEM_OFF)"
	elif ! grep -q '^Hello from EL1$' "$out"; then
		fail "$c_name" "no 'Hello from EL1'"
	elif [ -n "$missing" ]; then
		fail "$c_name" "register lines missing:$missing"
	elif ! grep -q '^PL011 ID 0x111014000df005b1$' "$out"; then
		fail "$c_name" "PL011 ID line wrong: $(grep 'PL011 ID' "$out")"
	elif [ "$midr" = 0x0000000000000000 ]; then
		fail "$c_name" "MIDR_EL1 is zero"
	elif [ $((mpidr & 0x80000000)) = 0 ] || [ $((mpidr & 0xff)) != 0 ]; then
		fail "$c_name" "MPIDR_EL1 $mpidr: want bit 31 set (RES1) and Aff0 0 on the boot CPU"
	elif [ "$daif" != 0x00000000000003c0 ]; then
		fail "$c_name" "DAIF $daif: the boot protocol wants all four masked"
	elif [ -n "$el" ] && [ "$el" != 0x0000000000000004 ]; then
		fail "$c_name" "CurrentEL $el: want EL1"
	else
		t_pass "$c_name"
	fi
}
check_smolkernel smolkernel-image $K
check_smolkernel smolkernel-elf "${K%.bin}.elf"
check_smolkernel smolkernel-2cpus -c 2 $K

t_begin guest-hello
run guest-hello $G/hello.elf </dev/null
expect guest-hello 0 '^Hello, aarch64 guest!$'

t_begin psci-system-reset
run psci-system-reset $G/reset.elf </dev/null
expect psci-system-reset 0

t_begin smp-cpu-on
run smp-cpu-on -c 2 $G/smp_hello.elf </dev/null
expect smp-cpu-on 0 '^cpu1 up$'

t_begin stdin-echo
printf 'hello smolvm\nq' >$T/input
run stdin-echo $G/stdin_echo.elf <$T/input
expect stdin-echo 0 'hello smolvm' ''
grep -q '^bye$' "$T/stdin-echo.out" || echo "NOTE: stdin-echo printed no 'bye'"

# An ldp to the UART gives KVM no syndrome: a crash report with the instruction, exit 1.
t_begin mmio-no-syndrome
run mmio-no-syndrome $G/mmio_nisv.elf </dev/null
if [ "$RC" != 1 ]; then
	fail mmio-no-syndrome "exit status $RC, expected 1"
elif ! grep -q 'guest crashed' $T/mmio-no-syndrome.err ||
	! grep -q -E '=>.*ldp' $T/mmio-no-syndrome.err ||
	! grep -q 'guest-physical): 0x9000000' $T/mmio-no-syndrome.err ||
	! grep -q -E 'pc=0x0000000040' $T/mmio-no-syndrome.err; then
	fail mmio-no-syndrome "report lacks the crash line, the ldp, the address or the pc"
else
	t_pass mmio-no-syndrome
fi

t_begin trace-and-stats
run trace-and-stats --trace --stats $G/exit_loop0.elf </dev/null
expect trace-and-stats 0 '' 'trace: vcpu0 mmio +write addr=0x9000000'
grep -q 'system-off' $T/trace-and-stats.err || echo "NOTE: no system-off in the stats"

# --dump-dtb: a blob with the magic, then boots again from it with --dtb.
t_begin dump-dtb
run dump-dtb --dump-dtb $T/virt.dtb -c 2 -p "console=ttyAMA0 hello=dtb" $K </dev/null
magic=$(head -c 4 $T/virt.dtb 2>/dev/null | od -An -tx1 | tr -d ' \n')
if [ "$RC" != 0 ] || [ "$magic" != d00dfeed ] || [ -s $T/dump-dtb.out ]; then
	fail dump-dtb "exit $RC, magic '$magic' (want d00dfeed), guest must not run"
else
	t_pass dump-dtb
	# Hand it to the host (run-all.sh decodes it and runs dtc on it).
	echo "DTB-BEGIN"
	od -An -v -tx1 $T/virt.dtb
	echo "DTB-END"
	# Where dtc is at hand (an arm64 host; L1 has none, run-all.sh checks there).
	if command -v dtc >/dev/null 2>&1; then
		t_begin dtc-reads-dtb
		if dtc -q -I dtb -O dts -o $T/virt.dts $T/virt.dtb 2>$T/dtc-reads-dtb.err &&
			grep -q 'arm,pl011' $T/virt.dts && grep -q 'hello=dtb' $T/virt.dts; then
			t_pass dtc-reads-dtb
		else
			t_fail dtc-reads-dtb "dtc: $(head -n 2 $T/dtc-reads-dtb.err)"
		fi
	fi
fi
t_begin dtb-user-blob
run dtb-user-blob --dtb $T/virt.dtb $K </dev/null
expect dtb-user-blob 0 '^Hello from EL1$'

# --- bad input: each one clear message and exit 2 --------------------------------------------
bad() { # bad NAME PATTERN SMOLVM-ARGS...
	b_name=$1 b_pat=$2
	shift 2
	t_begin "$b_name"
	run "$b_name" "$@" </dev/null
	expect "$b_name" 2 '' "$b_pat"
}
printf 'not a kernel at all, just text\n' >$T/garbage
# An x86_64 ELF header (e_machine 62) if no x86_64 guest is at hand.
if [ ! -f "$X86_ELF" ]; then
	X86_ELF=$T/x86.elf
	printf '\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\2\0\76\0\1\0\0\0' >"$X86_ELF"
	head -c 40 /dev/zero >>"$X86_ELF"
fi
head -c 60 $K >$T/short.bin
printf '\037\213\010\000garbage-not-deflate' >$T/bad.gz
printf 'junk' >$T/bad.dtb
bad bad-missing-kernel "cannot open kernel '/nonexistent'" /nonexistent
bad bad-garbage-kernel "not in a format smolvm can boot on aarch64" $T/garbage
bad bad-truncated-image "not in a format" $T/short.bin
bad bad-corrupt-gzip "$T/bad.gz" $T/bad.gz
bad bad-x86-elf "for x86_64 .*not for aarch64" $X86_ELF
bad bad-dtb "$T/bad.dtb" --dtb $T/bad.dtb $K
bad bad-missing-dtb "cannot open device tree" --dtb /nonexistent.dtb $K
bad bad-irqchip-off "not available on aarch64" --irqchip=off $K
bad bad-mem-small "at least 4 MiB" -m 2M $K
bad bad-too-many-cpus "from 1 to 123" -c 200 $K
bad bad-initrd-too-big "does not fit" -m 8M -i "$SMOLVM" $K

rm -rf "$T"
t_end
