#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh SMOLVM: integration tests that really boot guests on the host /dev/kvm, plus every
# bad-input path. Guests come from build/guests/x86_64 and build/smolkernel/x86_64.
set -u
cd "$(dirname "$0")/../.."
SMOLVM=${1:-build/smolvm}
G=build/guests/x86_64
K=build/smolkernel/x86_64/smolkernel.elf
. tests/integration/lib.sh

if [ ! -x "$SMOLVM" ]; then
	echo "FAIL: $SMOLVM is not built"
	exit 1
fi

# --- command-line and input errors: these need no /dev/kvm ---------------------------------
run help -- "$SMOLVM" --help
expect_status 0; expect_out '^Usage: smolvm'; expect_out 'debug-exit'; done_test

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

if [ ! -e /dev/kvm ]; then
	echo "SKIP: /dev/kvm does not exist on this machine: every guest test below is SKIPPED"
	skip_test "guest-tests" "no /dev/kvm"
	summary
	exit $?
fi

# --- host errors ------------------------------------------------------------------------------
if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
	run no-dev-kvm -- unshare -m sh -c "mount -t tmpfs none /dev && exec $SMOLVM"
	expect_status 3; expect_err '/dev/kvm does not exist'; done_test
else
	skip_test no-dev-kvm "cannot create a mount namespace to hide /dev/kvm"
fi
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && [ "$(stat -c %a /dev/kvm)" != 666 ]; then
	cp "$SMOLVM" "$WORK/smolvm-nobody" && chmod 755 "$WORK" "$WORK/smolvm-nobody"
	run no-kvm-permission -- setpriv --reuid=nobody --regid=nogroup --clear-groups "$WORK/smolvm-nobody"
	expect_status 3; expect_err 'no permission to open /dev/kvm'; done_test
else
	skip_test no-kvm-permission "needs root, setpriv and a /dev/kvm that is not world-writable"
fi

# --- bad kernel files ---------------------------------------------------------------------------
mkdir -p "$WORK/bad"
python3 tests/integration/mkbad.py "$K" "$WORK/bad"
check_bad() { # name file regex
	run "bad-kernel[$1]" -- "$SMOLVM" -m 16M "$2"
	expect_status 2; expect_err "$3"; expect_no_err 'Sanitizer|runtime error'; done_test
}
check_bad missing "$WORK/bad/nope.elf" "cannot open kernel '.*nope.elf': No such file"
check_bad directory "$WORK/bad" "is not a regular file"
check_bad empty "$WORK/bad/empty.bin" "is empty"
check_bad text "$WORK/bad/text.bin" "not in a format smolvm can boot"
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

for bad in 0 -1 256 x 2x ''; do
	run "cpus-refused[$bad]" -- "$SMOLVM" -c "$bad"
	expect_status 2; expect_err "invalid vCPU count"; done_test
done

# Device trees are an arm64 thing: on x86_64 the options are refused, naming the reason.
run dtb-on-x86 -- "$SMOLVM" --dtb "$WORK/any.dtb" "$G/hello_pvh.elf"
expect_status 2; expect_err 'x86_64 guests have no device tree'; done_test
run dump-dtb-on-x86 -- "$SMOLVM" --dump-dtb "$WORK/out.dtb" "$G/hello_pvh.elf"
expect_status 2; expect_err 'dump-dtb: x86_64 guests have no device tree'; done_test

run disk-missing -- "$SMOLVM" --disk "$WORK/no-such-disk.img" "$G/hello_pvh.elf"
expect_status 2; expect_err "cannot open disk image '.*no-such-disk.img': No such file"; done_test

head -c 100 /dev/zero >"$WORK/tiny.img"
run disk-too-small -- "$SMOLVM" --disk "$WORK/tiny.img" "$G/hello_pvh.elf"
expect_status 2; expect_err "disk image '.*tiny.img' is too small"; done_test

run disk-bad-option -- "$SMOLVM" --disk "$WORK/tiny.img,rx" "$G/hello_pvh.elf"
expect_status 2; expect_err "unknown --disk option 'rx'"; done_test

run net-bad-option -- "$SMOLVM" --net tap "$G/hello_pvh.elf"
expect_status 2; expect_err "invalid --net option 'tap'"; done_test

run net-bad-tap-name -- "$SMOLVM" --net tap=bad/name "$G/hello_pvh.elf"
expect_status 2; expect_err "invalid tap interface name"; done_test

run net-not-a-tap -- "$SMOLVM" --net tap=lo "$G/hello_pvh.elf"
expect_status 2; expect_err "exists and is not a tap"; done_test

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && [ -c /dev/net/tun ]; then
	run net-needs-cap-net-admin -- setpriv --inh-caps=-all --bounding-set=-net_admin "$SMOLVM" --net tap=smolvmtst0 "$G/hello_pvh.elf"
	expect_status 3; expect_err "root or CAP_NET_ADMIN"; done_test
else
	skip_test net-needs-cap-net-admin "needs root, setpriv and /dev/net/tun"
fi

truncate -s 1M "$WORK/d.img"
run virtio-devices-with-bare-metal-guest -- "$SMOLVM" --disk "$WORK/d.img" --disk "$WORK/d.img,ro" --rng --virtio-console "$G/hello_pvh.elf"
expect_status 33; expect_out '^Hello from a PVH guest$'; done_test

run smp-needs-irqchip -- "$SMOLVM" -c 2 --irqchip=off "$G/hello_pvh.elf"
expect_status 2; expect_err "need the in-kernel interrupt controller"; done_test

run bad-irqchip-mode -- "$SMOLVM" --irqchip=maybe
expect_status 2; expect_err "invalid --irqchip mode 'maybe'"; done_test

# --- guests ---------------------------------------------------------------------------------
run builtin-guest -- "$SMOLVM"
expect_status 0; expect_out '^Hello from the smolvm built-in guest!$'; done_test

run builtin-guest-info -- "$SMOLVM" --log-level=info
expect_status 0; expect_err 'halted with no interrupt source'
expect_err 'boot timeline \(us since start\): vm-created [0-9]+, kernel-loaded [0-9]+, first-run [0-9]+, first-output [0-9]+, exit [0-9]+'
done_test

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
reg() { awk -v r="$1" '$1 == r { print $2 }' "$WORK/out"; }
cr0=$(reg CR0); efer=$(reg EFER); cr4=$(reg CR4); cr3=$(reg CR3)
(((cr0 & 0x80000001) == 0x80000001)) || fail_check "CR0 $cr0 lacks PE or PG"
(((efer & 0x500) == 0x500)) || fail_check "EFER $efer lacks LME or LMA"
(((cr4 & 0x20) == 0x20)) || fail_check "CR4 $cr4 lacks PAE"
((cr3 == 0x9000)) || fail_check "CR3 $cr3 is not smolvm's PML4 at 0x9000"
# CPUID.1:ECX bit 31 (hypervisor) must be set by smolvm.
ecx1=$(awk '$2 == "0x00000001" { sub("ecx=", "", $5); print $5 }' "$WORK/out")
(((ecx1 >> 31) & 1)) || fail_check "CPUID.1:ECX $ecx1 lacks the hypervisor bit"
done_test

run hello-pvh -- "$SMOLVM" "$G/hello_pvh.elf"
expect_status 33; expect_out '^Hello from a PVH guest$'; done_test

run debug-exit-code -- "$SMOLVM" "$G/exit_code.elf"
expect_status 85; expect_out 'exiting with 0x2a'; done_test

run hlt-ends-cleanly -- "$SMOLVM" "$G/hlt.elf"
expect_status 0; expect_out '^halting$'; done_test

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

run odd-size-access -- "$SMOLVM" "$G/mmio_odd.elf"
expect_status 33
expect_out '^mmio reads all-ones: ok$'
expect_err 'guest error: 2-byte port write at 0x3f8 \(com1\)'
expect_err 'guest error: 2-byte port read at 0x3fd \(com1\)'
done_test

run unclaimed-mmio-debug-log -- "$SMOLVM" --log-level=debug "$G/mmio_odd.elf"
expect_status 33; expect_err 'unclaimed 8-byte mmio read at 0xd0000000'; done_test

printf 'hello smolvm\nq' >"$WORK/stdin.txt"
run stdin-input --stdin "$WORK/stdin.txt" -- "$SMOLVM" "$G/stdin_echo.elf"
expect_status 33; expect_out '^echo: hello smolvm$'; done_test

run trace -- "$SMOLVM" --trace "$G/hello_pvh.elf"
expect_status 33
expect_err '^trace: vcpu0 pio  write addr=0x3f8 size=1 count=1 data=0x48 pc=0x[0-9a-f]+$'
expect_err '^trace: vcpu0 pio  read  addr=0x3fd size=1 count=1 data=0x60 pc=0x[0-9a-f]+$'
expect_err '^trace: vcpu0 pio  write addr=0xf4 size=4 count=1 data=0x10 pc=0x[0-9a-f]+$'
done_test

run stats -- "$SMOLVM" --stats "$G/hello_pvh.elf"
expect_status 33; expect_err '^  pio +[0-9]+$'; done_test

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

summary
