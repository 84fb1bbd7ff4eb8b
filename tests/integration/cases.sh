# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# cases.sh: smolvm's integration test cases, written once for both architectures. The x86_64
# runner (tests/integration/run.sh, bash on a host with /dev/kvm or inside the nested L1)
# and the aarch64 one (tests/harness/aarch64/bare-tests.sh, busybox sh inside the aarch64
# L1, or sh on an arm64 host) source lib.sh, then this file, and call integration_cases.
# POSIX sh only. A check that holds on both architectures goes into a common case below,
# with the facts that differ (guests, messages, exit statuses) in the per-arch settings or
# in a per-arch function NAME_x86_64 / NAME_aarch64; checks of one architecture's own
# features go into cases_x86_64 / cases_aarch64.
#
# The runner sets ARCH (x86_64, aarch64), SMOLVM, G (the test guests' directory) and K (the
# smolkernel); WORK is lib.sh's scratch directory.

case $ARCH in
x86_64)
	HELLO=$G/hello_pvh.elf HELLO_STATUS=33 HELLO_OUT='^Hello from a PVH guest$'
	STDIN_GUEST=$G/stdin_echo.elf STDIN_STATUS=33 STDIN_OUT='^echo: hello smolvm$'
	TRACE_GUEST=$HELLO TRACE_STATUS=33
	BAD_FORMAT='not in a format smolvm can boot'
	;;
aarch64)
	HELLO=$G/hello.elf HELLO_STATUS=0 HELLO_OUT='^Hello, aarch64 guest!$'
	STDIN_GUEST=$G/stdin_echo.elf STDIN_STATUS=0 STDIN_OUT='hello smolvm'
	TRACE_GUEST=$G/exit_loop0.elf TRACE_STATUS=0
	BAD_FORMAT='not in a format smolvm can boot on aarch64'
	;;
*)
	echo "cases.sh: unknown ARCH '$ARCH'" >&2
	exit 2
	;;
esac

# The whole suite, in order.
integration_cases() {
	cases_options
	cases_inputs
	if [ ! -e /dev/kvm ]; then
		echo "SKIP: /dev/kvm does not exist on this machine: every guest test below is SKIPPED"
		skip_test "guest-tests" "no /dev/kvm"
		return 0
	fi
	cases_host_errors
	cases_bad_kernels
	cases_devices
	cases_disk_lock_guests
	cases_guests
	cases_sandbox
	"cases_$ARCH"
}

# --- command-line errors: these need no /dev/kvm -------------------------------------------
cases_options() {
	run help -- "$SMOLVM" --help
	expect_status 0; expect_out '^Usage: smolvm'; "help_$ARCH"; done_test

	run version -- "$SMOLVM" --version
	expect_status 0; expect_out '^smolvm '; done_test

	for bad in 0 abc -1 12Q 1.5G 99999999999999999999G ''; do
		run "mem-refused[$bad]" -- "$SMOLVM" -m "$bad"
		expect_status 2; expect_err "invalid memory size"; done_test
	done

	run mem-too-small -- "$SMOLVM" -m 1M
	expect_status 2; expect_err 'too small'; done_test

	run mem-beyond-host -- "$SMOLVM" -m 64T
	expect_status 2; expect_err "exceeds the host's [0-9]+ MiB"; done_test

	run unknown-option -- "$SMOLVM" --frobnicate
	expect_status 2; expect_err "unknown option '--frobnicate'"; done_test

	run missing-option-value -- "$SMOLVM" -m
	expect_status 2; expect_err "option '-m' needs a value"; done_test

	run bad-log-level -- "$SMOLVM" --log-level=loud
	expect_status 2; expect_err "invalid log level 'loud'"; done_test

	run two-kernels -- "$SMOLVM" "$K" "$K"
	expect_status 2; expect_err 'more than one kernel'; done_test

	for bad in 0 -1 256 x 2x ''; do
		run "cpus-refused[$bad]" -- "$SMOLVM" -c "$bad"
		expect_status 2; expect_err "invalid vCPU count"; done_test
	done

	run bad-irqchip-mode -- "$SMOLVM" --irqchip=maybe
	expect_status 2; expect_err "invalid --irqchip mode 'maybe'"; done_test
}
help_x86_64() {
	expect_out 'debug-exit'
}
help_aarch64() {
	expect_out 'dump-dtb'
}

# --- host errors ------------------------------------------------------------------------------
setpriv_can() { # setpriv_can OPTION: there is a setpriv with OPTION (busybox's has few)
	command -v setpriv >/dev/null && setpriv --help 2>&1 | grep -q -- "$1"
}
cases_host_errors() {
	if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
		run no-dev-kvm -- unshare -m sh -c "mount -t tmpfs none /dev && exec $SMOLVM"
		expect_status 3; expect_err '/dev/kvm does not exist'; done_test
	else
		skip_test no-dev-kvm "cannot create a mount namespace to hide /dev/kvm"
	fi
	if [ "$(id -u)" = 0 ] && setpriv_can --reuid && [ "$(stat -c %a /dev/kvm)" != 666 ]; then
		cp "$SMOLVM" "$WORK/smolvm-nobody" && chmod 755 "$WORK" "$WORK/smolvm-nobody"
		run no-kvm-permission -- setpriv --reuid=nobody --regid=nogroup --clear-groups "$WORK/smolvm-nobody"
		expect_status 3; expect_err 'no permission to open /dev/kvm'; done_test
	else
		skip_test no-kvm-permission "needs root, setpriv and a /dev/kvm that is not world-writable"
	fi
}

# --- bad kernel files (more per architecture in cases_x86_64 / cases_aarch64) ---------------
check_bad() { # name file regex
	run "bad-kernel[$1]" -- "$SMOLVM" -m 16M "$2"
	expect_status 2; expect_err "$3"; expect_no_err 'Sanitizer|runtime error'; done_test
}
cases_bad_kernels() {
	mkdir -p "$WORK/bad"
	: >"$WORK/bad/empty.bin"
	printf 'not a kernel at all, just text\n' >"$WORK/bad/text.bin"
	check_bad missing "$WORK/bad/nope.elf" "cannot open kernel '.*nope.elf': No such file"
	check_bad directory "$WORK/bad" "is a directory, not a regular file"
	check_bad empty "$WORK/bad/empty.bin" "is empty"
	check_bad text "$WORK/bad/text.bin" "$BAD_FORMAT"
}

# --- devices on a bare-metal guest ------------------------------------------------------------
cases_devices() {
	run disk-missing -- "$SMOLVM" --disk "$WORK/no-such-disk.img" "$HELLO"
	expect_status 2; expect_err "cannot open disk image '.*no-such-disk.img': No such file"; done_test

	head -c 100 /dev/zero >"$WORK/tiny.img"
	run disk-too-small -- "$SMOLVM" --disk "$WORK/tiny.img" "$HELLO"
	expect_status 2; expect_err "disk image '.*tiny.img' is too small"; done_test

	run disk-bad-option -- "$SMOLVM" --disk "$WORK/tiny.img,rx" "$HELLO"
	expect_status 2; expect_err "unknown --disk option 'rx'"; done_test

	run net-bad-option -- "$SMOLVM" --net tap "$HELLO"
	expect_status 2; expect_err "invalid --net option 'tap'"; done_test

	run net-bad-tap-name -- "$SMOLVM" --net tap=bad/name "$HELLO"
	expect_status 2; expect_err "invalid tap interface name"; done_test

	if [ -c /dev/net/tun ]; then
		run net-not-a-tap -- "$SMOLVM" --net tap=lo "$HELLO"
		expect_status 2; expect_err "exists and is not a tap"; done_test
	else
		skip_test net-not-a-tap "no /dev/net/tun (the tun module)"
	fi

	if [ "$(id -u)" = 0 ] && setpriv_can --bounding-set && [ -c /dev/net/tun ]; then
		run net-needs-cap-net-admin -- setpriv --inh-caps=-all --bounding-set=-net_admin "$SMOLVM" --net tap=smolvmtst0 "$HELLO"
		expect_status 3; expect_err "root or CAP_NET_ADMIN"; done_test
	else
		skip_test net-needs-cap-net-admin "needs root, setpriv and /dev/net/tun"
	fi

	truncate -s 1M "$WORK/d.img" "$WORK/d2.img"
	run virtio-devices-with-bare-metal-guest -- "$SMOLVM" --disk "$WORK/d.img" --disk "$WORK/d2.img,ro" --rng --virtio-console "$HELLO"
	expect_status "$HELLO_STATUS"; expect_out "$HELLO_OUT"; done_test
}

# --- guests both architectures have -----------------------------------------------------------
cases_guests() {
	run builtin-guest -- "$SMOLVM"
	expect_status 0; expect_out '^Hello from the smolvm built-in guest!$'; done_test

	run builtin-guest-info -- "$SMOLVM" --log-level=info
	expect_status 0; "builtin_guest_info_$ARCH"
	expect_err 'boot timeline \(us since start\): vm-created [0-9]+, kernel-loaded [0-9]+, first-run [0-9]+, first-output [0-9]+, exit [0-9]+'
	done_test

	"smolkernel_$ARCH"

	run hello -- "$SMOLVM" "$HELLO"
	expect_status "$HELLO_STATUS"; expect_out "$HELLO_OUT"; done_test

	printf 'hello smolvm\nq' >"$WORK/stdin.txt"
	run stdin-echo --stdin "$WORK/stdin.txt" -- "$SMOLVM" "$STDIN_GUEST"
	expect_status "$STDIN_STATUS"; expect_out "$STDIN_OUT"; done_test
	[ "$ARCH" != aarch64 ] || grep -q '^bye$' "$WORK/out" || note "stdin-echo printed no 'bye'"

	run trace -- "$SMOLVM" --trace "$TRACE_GUEST"
	expect_status "$TRACE_STATUS"; "trace_$ARCH"; done_test

	run stats -- "$SMOLVM" --stats "$TRACE_GUEST"
	expect_status "$TRACE_STATUS"; "stats_$ARCH"; done_test
}
builtin_guest_info_x86_64() {
	expect_err 'halted with no interrupt source'
}
builtin_guest_info_aarch64() {
	:
}
trace_x86_64() {
	expect_err '^trace: vcpu0 pio  write addr=0x3f8 size=1 count=1 data=0x48 pc=0x[0-9a-f]+$'
	expect_err '^trace: vcpu0 pio  read  addr=0x3fd size=1 count=1 data=0x60 pc=0x[0-9a-f]+$'
	expect_err '^trace: vcpu0 pio  write addr=0xf4 size=4 count=1 data=0x10 pc=0x[0-9a-f]+$'
}
trace_aarch64() {
	expect_err 'trace: vcpu0 mmio +write addr=0x9000000'
}
stats_x86_64() {
	expect_err '^  pio +[0-9]+$'
}
stats_aarch64() {
	grep -q 'system-off' "$WORK/err" || note "no system-off in the stats"
}

# The smolkernel: every register line and plausible values.
smolkernel_x86_64() {
	run smolkernel -- "$SMOLVM" "$K"
	expect_status 33
	expect_out '^smolkernel x86_64: hello from long mode$'
	expect_out '^CPU vendor  (AuthenticAMD|GenuineIntel)'
	expect_out '^CPU brand   .+'
	for reg in CR0 CR3 CR4 EFER GDTR.base GDTR.limit IDTR.base IDTR.limit RFLAGS APIC_BASE; do
		expect_out "^$reg +0x[0-9a-f]{16}$"
	done
	for leaf in 00000000 00000001 00000007 80000000 80000001; do
		expect_out "^CPUID 0x$leaf eax=0x[0-9a-f]{8} ebx=0x[0-9a-f]{8} ecx=0x[0-9a-f]{8} edx=0x[0-9a-f]{8}$"
	done
	# The hypervisor leaf carries KVM's signature "KVMKVMKVM".
	expect_out '^CPUID 0x40000000 eax=0x[0-9a-f]{8} ebx=0x4b4d564b ecx=0x564b4d56 edx=0x0000004d$'
	expect_out '^smolkernel x86_64: done$'
	# Plausibility: CR0 has PE and PG, EFER has LME and LMA, CR4 has PAE, CR3 = our PML4.
	cr0=$(reg CR0) efer=$(reg EFER) cr4=$(reg CR4) cr3=$(reg CR3)
	[ $((${cr0:-0} & 0x80000001)) = $((0x80000001)) ] || fail_check "CR0 $cr0 lacks PE or PG"
	[ $((${efer:-0} & 0x500)) = $((0x500)) ] || fail_check "EFER $efer lacks LME or LMA"
	[ $((${cr4:-0} & 0x20)) = $((0x20)) ] || fail_check "CR4 $cr4 lacks PAE"
	[ $((${cr3:-0})) = $((0x9000)) ] || fail_check "CR3 $cr3 is not smolvm's PML4 at 0x9000"
	# CPUID.1:ECX bit 31 (hypervisor) must be set by smolvm.
	ecx1=$(awk '$2 == "0x00000001" { sub("ecx=", "", $5); print $5 }' "$WORK/out")
	[ $(((${ecx1:-0} >> 31) & 1)) = 1 ] || fail_check "CPUID.1:ECX $ecx1 lacks the hypervisor bit"
	done_test
}
reg() { # reg NAME: the value of register line NAME in the last run's stdout
	awk -v r="$1" '$1 == r { print $2 }' "$WORK/out"
}

# ... on aarch64 also the PL011's ID and SYSTEM_OFF -> 0; as an Image, as an ELF, on 2 CPUs.
smolkernel_aarch64() {
	check_smolkernel smolkernel-image "$K"
	check_smolkernel smolkernel-elf "${K%.bin}.elf"
	check_smolkernel smolkernel-2cpus -c 2 "$K"
}
check_smolkernel() { # check_smolkernel NAME SMOLVM-ARGS...
	c_name=$1
	shift
	run "$c_name" -- "$SMOLVM" "$@"
	expect_status 0 # PSCI SYSTEM_OFF
	expect_out '^Hello from EL1$'
	for r in VBAR_EL1 MIDR_EL1 MPIDR_EL1 MDSCR_EL1 SCTLR_EL1 SPSR_EL1 TCR_EL1 TTBR0_EL1 \
		TTBR1_EL1 ESR_EL1 ELR_EL1 MAIR_EL1 CPACR_EL1 DAIF ID_AA64MMFR0_EL1 \
		ID_AA64MMFR1_EL1 ID_AA64MMFR2_EL1; do
		expect_out "^$r +0x[0-9a-f]{16}$"
	done
	expect_out '^PL011 ID 0x111014000df005b1$'
	midr=$(reg MIDR_EL1) mpidr=$(reg MPIDR_EL1) daif=$(reg DAIF) el=$(reg CurrentEL)
	[ "$midr" != 0x0000000000000000 ] || fail_check "MIDR_EL1 is zero"
	[ $((${mpidr:-0} & 0x80000000)) != 0 ] && [ $((${mpidr:-0} & 0xff)) = 0 ] ||
		fail_check "MPIDR_EL1 $mpidr: want bit 31 set (RES1) and Aff0 0 on the boot CPU"
	[ "$daif" = 0x00000000000003c0 ] || fail_check "DAIF $daif: the boot protocol wants all four masked"
	[ -z "$el" ] || [ "$el" = 0x0000000000000004 ] || fail_check "CurrentEL $el: want EL1"
	done_test
}

# --- x86_64 only: bzImage, PVH and x86 guests, no device tree -------------------------------
cases_x86_64() {
	python3 tests/integration/mkbad.py "$K" "$WORK/bad"
	check_bad truncated-header "$WORK/bad/truncated-header.elf" "truncated"
	check_bad truncated-body "$WORK/bad/truncated-body.elf" "truncated"
	check_bad elf32 "$WORK/bad/elf32.elf" "32-bit ELF"
	check_bad aarch64 "$WORK/bad/aarch64.elf" "ELF file for aarch64"
	check_bad riscv "$WORK/bad/riscv.elf" "ELF file for RISC-V"
	check_bad outside-ram "$WORK/bad/outside-ram.elf" "outside guest RAM"
	check_bad overlap "$WORK/bad/overlap.elf" "overlap"
	check_bad bz-old-protocol "$WORK/bad/bz-old-protocol.bin" "boot protocol 2.05; smolvm needs 2.06"
	check_bad bz-32bit "$WORK/bad/bz-32bit.bin" "no 64-bit entry point"
	check_bad bz-zimage "$WORK/bad/bz-zimage.bin" "zImage"
	check_bad bz-bad-flag "$WORK/bad/bz-bad-flag.bin" "corrupt setup header"
	check_bad bz-truncated "$WORK/bad/bz-truncated.bin" "bzImage '.*' is truncated"

	run cmdline-too-long-for-kernel -- "$SMOLVM" -m 64M -p "boot with a long command line" "$WORK/bad/bz-short-cmdline.bin"
	expect_status 2; expect_err "command line is [0-9]+ bytes long; this kernel accepts at most 16"; done_test

	run cmdline-too-long -- "$SMOLVM" -m 64M -p "$(head -c 70000 /dev/zero | tr '\0' x)" "$WORK/bad/good-bz.bin"
	expect_status 2; expect_err "command line is 70000 bytes long"; done_test

	truncate -s 40M "$WORK/big-initrd"
	run initrd-does-not-fit -- "$SMOLVM" -m 32M -i "$WORK/big-initrd" "$WORK/bad/good-bz.bin"
	expect_status 2; expect_err "initrd '.*big-initrd' \(40960 KiB\) does not fit"; done_test

	run initrd-missing -- "$SMOLVM" -m 32M -i "$WORK/nope.img" "$WORK/bad/good-bz.bin"
	expect_status 2; expect_err "cannot open initrd '.*nope.img'"; done_test

	# Device trees are an arm64 thing: on x86_64 the options are refused, naming the reason.
	run dtb-on-x86 -- "$SMOLVM" --dtb "$WORK/any.dtb" "$G/hello_pvh.elf"
	expect_status 2; expect_err 'x86_64 guests have no device tree'; done_test
	run dump-dtb-on-x86 -- "$SMOLVM" --dump-dtb "$WORK/out.dtb" "$G/hello_pvh.elf"
	expect_status 2; expect_err 'dump-dtb: x86_64 guests have no device tree'; done_test

	run smp-needs-irqchip -- "$SMOLVM" -c 2 --irqchip=off "$G/hello_pvh.elf"
	expect_status 2; expect_err "need the in-kernel interrupt controller"; done_test

	run debug-exit-code -- "$SMOLVM" "$G/exit_code.elf"
	expect_status 85; expect_out 'exiting with 0x2a'; done_test

	run hlt-ends-cleanly -- "$SMOLVM" "$G/hlt.elf"
	expect_status 0; expect_out '^halting$'; done_test

	triple_fault_x86_64

	run odd-size-access -- "$SMOLVM" "$G/mmio_odd.elf"
	expect_status 33
	expect_out '^mmio reads all-ones: ok$'
	expect_err 'guest error: 2-byte port write at 0x3f8 \(com1\)'
	expect_err 'guest error: 2-byte port read at 0x3fd \(com1\)'
	done_test

	run unclaimed-mmio-debug-log -- "$SMOLVM" --log-level=debug "$G/mmio_odd.elf"
	expect_status 33; expect_err 'unclaimed 8-byte mmio read at 0xd0000000'; done_test

	# A fake bzImage whose entry checks boot_params and the command line (see mkbad.py).
	run bzimage-boot-protocol -- "$SMOLVM" -m 64M -p "boot-test console=ttyS0" "$WORK/bad/good-bz.bin"
	expect_status 33; done_test

	run bzimage-default-cmdline -- "$SMOLVM" -m 64M "$WORK/bad/good-bz.bin"
	expect_status 35; done_test

	run bzimage-with-initrd-smp -- "$SMOLVM" -m 64M -c 4 -i "$K" -p "b" "$WORK/bad/good-bz.bin"
	expect_status 33; done_test

	run panic-is-a-crash -- "$SMOLVM" "$G/panic_reset.elf"
	expect_status 1
	expect_out '^Kernel panic - not syncing: smolvm test guest$'
	expect_err 'the guest kernel panicked; its last console lines:'
	expect_err '^last words before the panic$'
	done_test

	run sigterm-exit-status -- sh -c "\"$SMOLVM\" --irqchip=on \"$G/hlt.elf\" & pid=\$!; sleep 1; kill -TERM \$pid; wait \$pid"
	expect_status 143; expect_out '^halting$'; done_test

	# A terminal on stdin: raw mode, Ctrl-A x quits (status 0), the terminal is restored after.
	if command -v script >/dev/null; then
		run ctrl-a-x-on-a-terminal -- sh -c "(sleep 2; printf '\\001x') | script -qec \"$SMOLVM --irqchip=on $G/hlt.elf; stty -a\" /dev/null"
		expect_status 0; expect_out 'halting'; expect_out '[^-]icanon '; done_test
	else
		skip_test ctrl-a-x-on-a-terminal "no script(1) to give smolvm a terminal"
	fi

	run mem-above-4g -- "$SMOLVM" -m 5G "$G/hello_pvh.elf"
	expect_status 33; expect_out '^Hello from a PVH guest$'; done_test
}

# The triple fault's crash report, which depends on the host's KVM.
triple_fault_x86_64() {
	# KVM on AMD (kvm_amd) reinitialises the vCPU when it shuts down: the registers at a triple
	# fault are lost. smolvm says so and shows the last state it knows instead: the one of the
	# guest's last exit (the UART write of the message's newline), disassembled.
	if [ -d /sys/module/kvm_amd ]; then
		run triple-fault -- "$SMOLVM" "$G/triple_fault.elf"
		expect_status 1
		expect_out '^about to triple fault$'
		expect_err 'guest crashed on vCPU 0: triple fault'
		expect_err '^Registers at the fault: not available.*reinitialises a vCPU that shuts down'
		expect_err '^Last known guest state, at the last exit before the fault \(pio +write addr=0x3f8 size=1 data=0xa pc=0x10[0-9a-f]{4}\):$'
		expect_err '^  rip=0x000000000010[0-9a-f]{4} '
		expect_err '^  => 0x10[0-9a-f]{4}: ee +out dx, al$'
		expect_err 'cr0=0x[0-9a-f]+ cr2=0x[0-9a-f]+ cr3=0x0000000000009000'
		expect_err '^Last [0-9]+ exits'
		expect_err '^  pio +write addr=0x3f8 size=1 data=0xa pc=0x10[0-9a-f]{4}$'
		expect_no_err 'fff0 \(guest-physical|Code: pc 0xfffffff0'
		done_test

		run triple-fault-empty-idt-unknown-on-amd -- "$SMOLVM" "$G/triple_fault_reset.elf"
		expect_status 1; expect_err 'emptied its IDT .* cannot be seen either: smolvm counts this as a crash'
		done_test
	else
		run triple-fault -- "$SMOLVM" "$G/triple_fault.elf"
		expect_status 1
		expect_out '^about to triple fault$'
		expect_err 'guest crashed on vCPU 0: triple fault'
		expect_err 'rip=0x000000000010001f'
		expect_err 'rax=0x000000000badc0de'
		expect_err '^  => 0x10001f: 0f 0b +ud2'
		expect_err 'cr0=0x[0-9a-f]+ cr2='
		expect_err '^Last [0-9]+ exits'
		expect_err '^  pio +write addr=0x3f8 size=1 data=0xa( pc=0x[0-9a-f]+)?$'
		expect_no_err 'Registers at the fault: not available'
		done_test

		run triple-fault-empty-idt-is-reset -- "$SMOLVM" --log-level=info "$G/triple_fault_reset.elf"
		expect_status 0; expect_err 'reset the machine with a deliberate triple fault'; done_test
	fi
}

# --- aarch64 only: PSCI, the device tree, arm64 Images ----------------------------------------
cases_aarch64() {
	run psci-system-reset -- "$SMOLVM" "$G/reset.elf"
	expect_status 0; done_test

	run smp-cpu-on -- "$SMOLVM" -c 2 "$G/smp_hello.elf"
	expect_status 0; expect_out '^cpu1 up$'; done_test

	# An ldp to the UART gives KVM no syndrome: a crash report with the instruction, exit 1.
	run mmio-no-syndrome -- "$SMOLVM" "$G/mmio_nisv.elf"
	expect_status 1
	expect_err 'guest crashed'
	expect_err '=>.*ldp'
	expect_err 'guest-physical\): 0x9000000'
	expect_err 'pc=0x0000000040'
	done_test

	# --dump-dtb: a blob with the magic, then boots again from it with --dtb.
	run dump-dtb -- "$SMOLVM" --dump-dtb "$WORK/virt.dtb" -c 2 -p "console=ttyAMA0 hello=dtb" "$K"
	expect_status 0
	magic=$(head -c 4 "$WORK/virt.dtb" 2>/dev/null | od -An -tx1 | tr -d ' \n')
	[ "$magic" = d00dfeed ] || fail_check "magic '$magic' (want d00dfeed)"
	[ ! -s "$WORK/out" ] || fail_check "the guest must not run"
	if [ "$CUR_FAIL" = 0 ]; then
		# Hand it to the host (run-all.sh decodes it and runs dtc on it).
		echo "DTB-BEGIN"
		od -An -v -tx1 "$WORK/virt.dtb"
		echo "DTB-END"
	fi
	done_test
	# Where dtc is at hand (an arm64 host; L1 has none, run-all.sh checks there).
	if [ -s "$WORK/virt.dtb" ] && command -v dtc >/dev/null 2>&1; then
		run dtc-reads-dtb -- dtc -q -I dtb -O dts -o "$WORK/virt.dts" "$WORK/virt.dtb"
		expect_status 0
		grep -q 'arm,pl011' "$WORK/virt.dts" && grep -q 'hello=dtb' "$WORK/virt.dts" ||
			fail_check "the source lacks arm,pl011 or hello=dtb"
		done_test
	fi
	run dtb-user-blob -- "$SMOLVM" --dtb "$WORK/virt.dtb" "$K"
	expect_status 0; expect_out '^Hello from EL1$'; done_test

	# Bad input: each one clear message and exit 2.
	# An x86_64 ELF header (e_machine 62) if no x86_64 guest is at hand.
	if [ ! -f "${X86_ELF:-}" ]; then
		X86_ELF=$WORK/x86.elf
		printf '\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\2\0\76\0\1\0\0\0' >"$X86_ELF"
		head -c 40 /dev/zero >>"$X86_ELF"
	fi
	head -c 60 "$K" >"$WORK/short.bin"
	printf '\037\213\010\000garbage-not-deflate' >"$WORK/bad.gz"
	printf 'junk' >"$WORK/bad.dtb"
	bad bad-truncated-image "not in a format" "$WORK/short.bin"
	bad bad-corrupt-gzip "$WORK/bad.gz" "$WORK/bad.gz"
	bad bad-x86-elf "for x86_64 .*not for aarch64" "$X86_ELF"
	bad bad-dtb "$WORK/bad.dtb" --dtb "$WORK/bad.dtb" "$K"
	bad bad-missing-dtb "cannot open device tree" --dtb /nonexistent.dtb "$K"
	bad bad-irqchip-off "not available on aarch64" --irqchip=off "$K"
	bad bad-mem-small "at least 4 MiB" -m 2M "$K"
	bad bad-too-many-cpus "from 1 to 123" -c 200 "$K"
	bad bad-initrd-too-big "does not fit" -m 8M -i "$SMOLVM" "$K"
}
bad() { # bad NAME PATTERN SMOLVM-ARGS...: exit 2 and PATTERN on stderr
	b_name=$1 b_pat=$2
	shift 2
	run "$b_name" -- "$SMOLVM" "$@"
	expect_status 2; expect_err "$b_pat"; done_test
}

# --- files and options that cannot work: refused (exit 2) before /dev/kvm is opened ---------
# These run without /dev/kvm too: an input error must not be reported as "no /dev/kvm"
# (exit 3). A FIFO used to hang smolvm in open(): `timeout` turns a hang into status 124.
in_bad() { # in_bad NAME PATTERN SMOLVM-ARGS...: exit 2, PATTERN on stderr, nothing of KVM
	ib_name=$1 ib_pat=$2
	shift 2
	run "input[$ib_name]" -- timeout 10 "$SMOLVM" "$@"
	expect_status 2; expect_err "$ib_pat"; expect_no_err '/dev/kvm'; done_test
}
in_ok() { # in_ok NAME DISK DISK: two --disk that are not refused
	run "input[$1]" -- timeout 20 "$SMOLVM" --disk "$2" --disk "$3" "$HELLO"
	[ "$STATUS" != 2 ] || fail_check "exit status 2: refused"
	expect_no_err 'in use|lock'; done_test
}
cases_inputs() {
	mkdir -p "$WORK/in"
	mkfifo "$WORK/in/fifo"
	truncate -s 1M "$WORK/in/disk.img"
	head -c 100 /dev/zero >"$WORK/in/tiny.img"
	in_bad kernel-missing "cannot open kernel '.*nope.elf': No such file" -m 16M "$WORK/in/nope.elf"
	in_bad kernel-directory "kernel '.*in' is a directory, not a regular file" "$WORK/in"
	in_bad kernel-fifo "kernel '.*fifo' is a FIFO" "$WORK/in/fifo"
	in_bad kernel-char-device "kernel '/dev/null' is a character device" /dev/null
	in_bad initrd-fifo "initrd '.*fifo' is a FIFO" -i "$WORK/in/fifo" "$K"
	in_bad initrd-missing "cannot open initrd '.*nope.img'" -i "$WORK/in/nope.img" "$K"
	in_bad disk-fifo "disk image '.*fifo' is a FIFO" --disk "$WORK/in/fifo" "$K"
	in_bad disk-fifo-ro "disk image '.*fifo' is a FIFO" --disk "$WORK/in/fifo,ro" "$K"
	in_bad disk-char-device "disk image '/dev/null' is a character device" --disk /dev/null "$K"
	in_bad disk-directory "disk image '.*in' is a directory" --disk "$WORK/in" "$K"
	in_bad disk-missing "cannot open disk image '.*nope.img': No such file" --disk "$WORK/in/nope.img" "$K"
	in_bad disk-too-small "disk image '.*tiny.img' is too small" --disk "$WORK/in/tiny.img" "$K"
	in_bad cmdline-too-long "command line is 70000 bytes long" -p "$(head -c 70000 /dev/zero | tr '\0' x)" "$K"
	"cases_inputs_$ARCH"

	# Disk locks (like QEMU's): a read-write image is the VM's alone.
	in_bad disk-twice "disk image '.*disk.img' is in use by this smolvm .*lock=off" \
		--disk "$WORK/in/disk.img" --disk "$WORK/in/disk.img" "$K"
	in_bad disk-twice-rw-ro "disk image '.*disk.img' is in use by this smolvm" \
		--disk "$WORK/in/disk.img,ro" --disk "$WORK/in/disk.img" "$K"
	# Shared read-only, or with lock=off: not refused (what follows needs /dev/kvm).
	in_ok disk-twice-ro "$WORK/in/disk.img,ro" "$WORK/in/disk.img,ro"
	in_ok disk-twice-lock-off "$WORK/in/disk.img" "$WORK/in/disk.img,lock=off"
	in_ok disk-twice-ro-lock-off "$WORK/in/disk.img,ro,lock=off" "$WORK/in/disk.img,lock=off"
	run input-disk-bad-lock-option -- "$SMOLVM" --disk "$WORK/in/disk.img,lock=maybe" "$K"
	expect_status 2; expect_err "unknown --disk option 'lock=maybe'"; done_test

	# Held by another process (a POSIX lock, as lockf() takes): refused naming it.
	if command -v python3 >/dev/null; then
		python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "r+"); fcntl.lockf(f, fcntl.LOCK_EX); print("locked", flush=True); time.sleep(30)' \
			"$WORK/in/disk.img" >"$WORK/in/locker.out" &
		locker=$!
		i=0
		while [ "$i" -lt 100 ] && ! grep -q locked "$WORK/in/locker.out"; do
			sleep 0.1
			i=$((i + 1))
		done
		in_bad disk-locked-elsewhere "disk image '.*disk.img' is in use by process $locker \(python3\)" \
			--disk "$WORK/in/disk.img,ro" "$K"
		kill "$locker" 2>/dev/null
		wait "$locker" 2>/dev/null
	else
		skip_test "input[disk-locked-elsewhere]" "no python3 to hold a lock"
	fi
}
cases_inputs_x86_64() {
	in_bad dtb-on-x86 'x86_64 guests have no device tree' --dtb "$WORK/in/fifo" "$K"
	in_bad dtb-on-x86-missing 'x86_64 guests have no device tree' --dtb "$WORK/in/nope.dtb" "$K"
	in_bad smp-without-irqchip "need the in-kernel interrupt controller" -c 2 --irqchip=off "$K"
}
cases_inputs_aarch64() {
	in_bad dtb-fifo "device tree '.*fifo' is a FIFO" --dtb "$WORK/in/fifo" "$K"
	in_bad dtb-missing "cannot open device tree" --dtb "$WORK/in/nope.dtb" "$K"
	in_bad irqchip-off "not available on aarch64" --irqchip=off "$K"
	in_bad mem-too-small "at least 4 MiB" -m 2M "$K"
}

# A second smolvm on an image a running one uses read-write: refused, naming the first.
cases_disk_lock_guests() {
	if [ "$ARCH" != x86_64 ]; then
		skip_test disk-locked-by-running-smolvm "needs a guest that runs until stopped (x86_64 hlt.elf)"
		return
	fi
	truncate -s 1M "$WORK/locked.img"
	"$SMOLVM" --irqchip=on --disk "$WORK/locked.img" "$G/hlt.elf" >"$WORK/first.out" 2>&1 </dev/null &
	first=$!
	i=0
	while [ "$i" -lt 100 ] && ! grep -q halting "$WORK/first.out"; do
		sleep 0.1
		i=$((i + 1))
	done
	run disk-locked-by-running-smolvm -- timeout 20 "$SMOLVM" --disk "$WORK/locked.img,ro" "$HELLO"
	expect_status 2; expect_err "disk image '.*locked.img' is in use by process $first \(smolvm\)"; done_test
	run disk-lock-off-beside-running-smolvm -- timeout 20 "$SMOLVM" --disk "$WORK/locked.img,ro,lock=off" "$HELLO"
	expect_status "$HELLO_STATUS"; expect_out "$HELLO_OUT"; done_test
	kill -TERM "$first" 2>/dev/null
	wait "$first" 2>/dev/null
}

# --- least privilege: the seccomp filters and dropping root -----------------------------------
# sb_start NAME SMOLVM [ARGS...]: starts smolvm on the stdin guest in the background, its stdin
# a FIFO held open, and waits until the guest has printed: a vCPU runs only once the
# filters are in place. sb_stop then types the guest's input and waits for the exit status.
sb_start() {
	CUR=$1
	shift
	CUR_FAIL=0
	CUR_WHY=
	! i__harness || t_begin "$CUR"
	rm -f "$WORK/sb.in"
	mkfifo "$WORK/sb.in"
	: >"$WORK/out" # before the background start, which truncates it too, but later
	"$@" "$STDIN_GUEST" <"$WORK/sb.in" >"$WORK/out" 2>"$WORK/err" &
	SB_PID=$!
	exec 9>"$WORK/sb.in"
	sb_i=0
	while [ ! -s "$WORK/out" ] && [ $sb_i -lt 60 ] && kill -0 "$SB_PID" 2>/dev/null; do
		sleep 1
		sb_i=$((sb_i + 1))
	done
	[ -s "$WORK/out" ] || fail_check "the guest printed nothing within 60 s"
}
sb_stop() {
	printf 'hello smolvm\nq' >&9
	exec 9>&-
	(sleep 60; kill "$SB_PID" 2>/dev/null) &
	sb_watchdog=$!
	wait "$SB_PID"
	STATUS=$?
	kill "$sb_watchdog" 2>/dev/null
	expect_status "$STDIN_STATUS"; expect_out "$STDIN_OUT"
}
# sb_field FIELD [TID]: FIELD's values in /proc/PID/status (of thread TID), space-separated.
sb_field() {
	awk -v f="$1:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' \
		"/proc/$SB_PID/task/${2:-$SB_PID}/status" 2>/dev/null
}
sb_expect() { # sb_expect FIELD VALUE: in the main thread
	sb_v=$(sb_field "$1")
	[ "$sb_v" = "$2" ] || fail_check "/proc/PID/status $1 is '$sb_v', expected '$2'"
}
sb_expect_all() { # sb_expect_all FIELD VALUE: in every thread (capabilities are per-thread)
	for sb_t in $(ls "/proc/$SB_PID/task"); do
		sb_v=$(sb_field "$1" "$sb_t")
		[ "$sb_v" = "$2" ] || fail_check "thread $sb_t: $1 is '$sb_v', expected '$2'"
	done
}
sb_no_capabilities() {
	for f in CapInh CapPrm CapEff CapBnd CapAmb; do
		sb_expect_all "$f" 0000000000000000
	done
	sb_expect NoNewPrivs 1
}
cases_sandbox() {
	# Seccomp 2 = filter mode, in every thread; the main thread stacks its own filter on
	# the process-wide one (Seccomp_filters, Linux 5.9+).
	sb_start sandbox-on-by-default "$SMOLVM"
	sb_expect Seccomp 2
	sb_expect_all Seccomp 2
	sb_f=$(sb_field Seccomp_filters)
	[ -z "$sb_f" ] || [ "$sb_f" = 2 ] || fail_check "main thread: Seccomp_filters $sb_f, expected 2"
	sb_stop; done_test

	sb_start sandbox-off "$SMOLVM" --sandbox=off
	sb_expect_all Seccomp 0
	sb_stop; done_test

	run sandbox-bad-mode -- "$SMOLVM" --sandbox=maybe
	expect_status 2; expect_err "invalid --sandbox mode 'maybe': use on or off"; done_test

	run user-unknown -- "$SMOLVM" --user no-such-user-smolvm "$HELLO"
	expect_status 2; expect_err "unknown user 'no-such-user-smolvm'|cannot read /etc/passwd"; done_test

	if [ "$(id -u)" != 0 ]; then
		skip_test drop-root "needs root"
		return 0
	fi
	# sudo's caller, with a tap opened as root first: no root, no capabilities, no groups.
	sb_tap=
	[ ! -c /dev/net/tun ] || sb_tap="--net tap=smolvmsb0"
	# shellcheck disable=SC2086 # $sb_tap is two words or none
	sb_start drop-root-to-sudo-caller env SUDO_UID=65534 SUDO_GID=65534 "$SMOLVM" $sb_tap
	sb_expect Uid "65534 65534 65534 65534"
	sb_expect Gid "65534 65534 65534 65534"
	sb_expect Groups ""
	sb_no_capabilities
	sb_stop; done_test

	sb_nobody=$(id -u nobody 2>/dev/null)
	if [ -n "$sb_nobody" ]; then
		sb_start drop-root-to-user "$SMOLVM" --user nobody
		sb_expect Uid "$sb_nobody $sb_nobody $sb_nobody $sb_nobody"
		sb_no_capabilities
		sb_stop; done_test
	else
		skip_test drop-root-to-user "no user 'nobody' here"
	fi

	# Plain root (no sudo, no --user) stays uid 0 but without any capability.
	sb_start root-keeps-uid-without-capabilities env -u SUDO_UID -u SUDO_GID "$SMOLVM"
	sb_expect Uid "0 0 0 0"
	sb_no_capabilities
	sb_stop; done_test

	if setpriv_can --reuid; then
		cp "$SMOLVM" "$WORK/smolvm-user" && chmod 755 "$WORK" "$WORK/smolvm-user"
		run user-switch-needs-root -- setpriv --reuid=nobody --regid=nogroup --clear-groups "$WORK/smolvm-user" --user root "$HELLO"
		expect_status 2; expect_err 'switching users needs root'; done_test
	else
		skip_test user-switch-needs-root "needs setpriv"
	fi
}
