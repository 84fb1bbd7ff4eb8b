# linux-tests.sh (aarch64): runs inside the aarch64 L1, after bare-tests.sh (see l1-tests.sh
# and run-all.sh). Boots Linux guests with smolvm (the static cross build) on L1's /dev/kvm:
# Debian's arm64 cloud Image and the project's minimal Image, with commands typed into their
# PL011 console (ttyAMA0) through smolvm's stdin; checks what they print and how smolvm exits;
# a virtio-blk disk found through the device tree. Files: /bin/smolvm,
# /l2/kernels/NAME.Image, /l2/initrd.
. /harness/lib.sh

SMOLVM=/bin/smolvm
INITRD=/l2/initrd
BOOT_TIMEOUT=${BOOT_TIMEOUT:-90}

# run NAME INPUT SMOLVM-ARGS...: smolvm's output in /tmp/NAME.out (CRs removed) and .err,
# its exit status in $RC; the wall time goes to the console as 'L2-TIME NAME SECONDS'.
run() {
	r_name=$1 r_input=$2
	shift 2
	read -r r_t0 _ </proc/uptime
	timeout "$BOOT_TIMEOUT" "$SMOLVM" "$@" <"$r_input" >"/tmp/$r_name.raw" 2>"/tmp/$r_name.err"
	RC=$?
	read -r r_t1 _ </proc/uptime
	tr -d '\r' <"/tmp/$r_name.raw" >"/tmp/$r_name.out"
	echo "L2-TIME $r_name $(awk -v a="$r_t0" -v b="$r_t1" 'BEGIN { printf "%.2f", b - a }') s (exit $RC)"
}

# boot NAME KERNEL INPUT [SMOLVM ARGS...]: a Linux guest with the L2 initramfs.
boot() {
	b_name=$1 b_kernel=$2 b_input=$3
	shift 3
	run "$b_name" "$b_input" -k "$b_kernel" -i "$INITRD" "$@"
}

# fail, value, mark, burst_check, irq_total: in lib.sh (both architectures' Linux tests).

# ---- Linux guests -----------------------------------------------------------------------
# Input typed ahead of the guest: when Linux's PL011 driver starts the port
# (pl011_enable_interrupts) it discards up to twice the FIFO size of received bytes: 32
# for the r1p5 PL011 smolvm models, 64 for a 32-byte FIFO. smolvm holds input back until
# the driver has unmasked its receive interrupts; the early-input test checks that, and
# every other command file begins with 80 newlines so as not to depend on it.
# cmds FILE <TEXT: FILE = the padding + TEXT.
cmds() {
	{
		head -c 80 /dev/zero | tr '\0' '\n'
		cat
	} >"$1"
}
# Kernel messages stay off the console from the first command on: printk writes them in the
# middle of a line of the shell's output (RCU stall reports in the nested harness), which
# split marker lines. With them off every byte is checked (mark, burst_check).
BURST=2000
cmds /tmp/cmds-main <<CMDS
dmesg -n 1
echo "MARK-CMDLINE:\$(cat /proc/cmdline)"
echo "MARK-NPROC:\$(nproc)"
echo "MARK-MEMKB:\$(awk '/MemTotal/ {print \$2}' /proc/meminfo)"
echo "MARK-UART-IRQ:\$(grep -E 'pl011|ttyAMA' /proc/interrupts)"
echo "MARK-TIMER1:\$(grep arch_timer /proc/interrupts)"
sleep 1
echo "MARK-TIMER2:\$(grep arch_timer /proc/interrupts)"
echo "MARK-SVE:\$(grep -c -w sve /proc/cpuinfo)"
echo MARK-BURST; seq 1 $BURST
echo "MARK-PMU:\$(dmesg | grep -c 'enabled with armv8_pmuv3')"
poweroff -f
CMDS
# $((...)) keeps the marker out of the echo of the typed command.
# shellcheck disable=SC2016 # expanded by the guest's shell
echo 'sleep 1; echo MARK-REBOOT-$((40 + 2)); reboot -f' | cmds /tmp/cmds-reboot
echo 'sleep 1; echo c > /proc/sysrq-trigger' | cmds /tmp/cmds-panic
# Without the padding (three newlines, as for x86's 8250).
# shellcheck disable=SC2016 # expanded by the guest's shell
printf '\n\n\necho MARK-EARLY-$((40 + 2)); poweroff -f\n' >/tmp/cmds-early

# main_checks NAME CMDLINE MEM_MIB CPUS: the checks on a guest booted with cmds-main.
main_checks() {
	m_name=$1 m_cmdline=$2 m_mem=$3 m_cpus=$4
	if [ "$RC" != 0 ]; then
		fail "$m_name" "smolvm exit status $RC after poweroff, expected 0"
		return
	fi
	got=$(mark "$m_name" MARK-CMDLINE)
	if [ "$got" != "$m_cmdline" ]; then
		fail "$m_name" "/proc/cmdline is '$got', expected '$m_cmdline'"
		return
	fi
	got=$(mark "$m_name" MARK-NPROC)
	if [ "$got" != "$m_cpus" ]; then
		fail "$m_name" "nproc is '$got', expected $m_cpus"
		return
	fi
	# MemTotal excludes what the kernel keeps for itself: within 75-100% of -m.
	kb=$(mark "$m_name" MARK-MEMKB)
	if [ -z "$kb" ] || [ "$kb" -gt $((m_mem * 1024)) ] || [ "$kb" -lt $((m_mem * 1024 * 3 / 4)) ]; then
		fail "$m_name" "MemTotal is '$kb' kB for -m ${m_mem}M"
		return
	fi
	# The typed input arrives through the PL011's receive interrupt (smolvm's transmit FIFO
	# never fills, so Linux sends without interrupts); the arch timer ticks through the GIC.
	i=$(irq_total "$(mark "$m_name" MARK-UART-IRQ)")
	if [ -z "$i" ] || [ "$i" -eq 0 ]; then
		fail "$m_name" "no PL011 interrupt ('$(mark "$m_name" MARK-UART-IRQ)'): console input not interrupt-driven"
		return
	fi
	# The host's SVE and PMU reach the guest (when L1, our "host", has them; Debian's kernel
	# has the drivers, the minimal one does not).
	case "$m_name" in
	debian*)
		if grep -q -w sve /proc/cpuinfo && [ "$(mark "$m_name" MARK-SVE)" = 0 ]; then
			fail "$m_name" "L1 has SVE, the guest does not"
			return
		fi
		if dmesg | grep -q 'enabled with armv8_pmuv3' &&
			[ "$(mark "$m_name" MARK-PMU)" = 0 ]; then
			fail "$m_name" "L1 has a PMUv3, the guest has no PMU driver"
			return
		fi
		;;
	esac
	got=$(burst_check "$m_name" "$BURST" MARK-PMU:)
	if [ -n "$got" ]; then
		fail "$m_name" "console output after a long burst on $m_cpus vCPUs: $got"
		return
	fi
	i1=$(irq_total "$(mark "$m_name" MARK-TIMER1)")
	i2=$(irq_total "$(mark "$m_name" MARK-TIMER2)")
	if [ -z "$i1" ] || [ -z "$i2" ] || [ "$i2" -le "$i1" ]; then
		fail "$m_name" "arch_timer interrupts did not grow over 1 s ('$i1' -> '$i2')"
		return
	fi
	t_pass "$m_name"
}

for kernel in /l2/kernels/*.Image; do
	[ -f "$kernel" ] || continue
	k=$(basename "$kernel" | tr . -)
	cmdline="console=ttyAMA0 panic=-1 smolvm.test=$k"

	t_begin "$k-main"
	boot "$k-main" "$kernel" /tmp/cmds-main -m 256M -c 2 -p "$cmdline"
	main_checks "$k-main" "$cmdline" 256 2

	t_begin "$k-reboot"
	boot "$k-reboot" "$kernel" /tmp/cmds-reboot -m 256M -p "console=ttyAMA0"
	if [ "$RC" != 0 ] || ! grep -q 'MARK-REBOOT-42' "/tmp/$k-reboot.out"; then
		fail "$k-reboot" "smolvm exit status $RC after reboot, expected 0 (or no marker)"
	else
		t_pass "$k-reboot"
	fi

	t_begin "$k-panic"
	boot "$k-panic" "$kernel" /tmp/cmds-panic -m 256M -p "console=ttyAMA0"
	if [ "$RC" != 1 ]; then
		fail "$k-panic" "smolvm exit status $RC after a kernel panic, expected 1"
	elif ! grep -q 'Kernel panic - not syncing' "/tmp/$k-panic.out" ||
		! grep -q 'the guest kernel panicked' "/tmp/$k-panic.err" ||
		! grep -q 'Kernel panic - not syncing' "/tmp/$k-panic.err"; then
		fail "$k-panic" "panic text missing from the output or from smolvm's report"
	else
		t_pass "$k-panic"
	fi
done

# ---- the Debian kernel gzip'ed (Image.gz): smolvm inflates it with zlib ----------------------
if [ -f /l2/kernels/debian.Image.gz ]; then
	cmdline="console=ttyAMA0 panic=-1 smolvm.test=gz"
	t_begin debian-Image-gz-main
	boot debian-Image-gz-main /l2/kernels/debian.Image.gz /tmp/cmds-main -m 256M -c 2 -p "$cmdline"
	main_checks debian-Image-gz-main "$cmdline" 256 2
else
	t_skip debian-Image-gz-main "no /l2/kernels/debian.Image.gz"
fi

# ---- console input typed before the guest's PL011 driver started ---------------------------
t_begin minimal-Image-early-input
if [ ! -f /l2/kernels/minimal.Image ]; then
	t_skip minimal-Image-early-input "no minimal kernel (SMOLVM_SKIP_MINIMAL_KERNEL=1?)"
else
	boot minimal-Image-early-input /l2/kernels/minimal.Image /tmp/cmds-early -m 256M \
		-p "console=ttyAMA0"
	if [ "$RC" != 0 ] || ! grep -q 'MARK-EARLY-42' /tmp/minimal-Image-early-input.out; then
		fail minimal-Image-early-input "smolvm exit status $RC, marker $(grep -c MARK-EARLY-42 /tmp/minimal-Image-early-input.out)x: input sent before the PL011 driver started was lost (Linux drains the RX FIFO when it starts the port; smolvm should hold input until then)"
	else
		t_pass minimal-Image-early-input
	fi
fi

# ---- virtio-blk, found through the device tree (the minimal kernel has it built in) -----
# A 4 MiB disk with a pattern at 0 and at 1 MiB; the guest reads both, then writes one
# sector at 2 MiB that L1 reads back after smolvm exits.
t_begin minimal-Image-virtio-blk
if [ ! -f /l2/kernels/minimal.Image ]; then
	t_skip minimal-Image-virtio-blk "no minimal kernel (SMOLVM_SKIP_MINIMAL_KERNEL=1?)"
else
	head -c 4194304 /dev/zero >/tmp/disk.img
	printf 'SMOLVM-DISK-PATTERN-AT-0' | dd of=/tmp/disk.img conv=notrunc 2>/dev/null
	printf 'SMOLVM-DISK-PATTERN-AT-1M' | dd of=/tmp/disk.img bs=1048576 seek=1 conv=notrunc 2>/dev/null
	cmds /tmp/cmds-disk <<'CMDS'
echo "## DT-NODES:$(ls /proc/device-tree | grep -c virtio_mmio)"
echo "## SECTORS:$(cat /sys/block/vda/size)"
echo "## AT0:$(head -c 24 /dev/vda)"
echo "## AT1M:$(dd if=/dev/vda bs=512 skip=2048 count=1 2>/dev/null | head -c 25)"
printf 'WRITTEN-BY-THE-GUEST-%s' $((6 * 7)) | dd of=/dev/vda bs=512 seek=4096 conv=fsync 2>/dev/null && echo "## WROTE:$((1 + 1))"
poweroff -f
CMDS
	boot minimal-Image-virtio-blk /l2/kernels/minimal.Image /tmp/cmds-disk -m 256M \
		--disk /tmp/disk.img -p "console=ttyAMA0"
	back=$(dd if=/tmp/disk.img bs=512 skip=4096 count=1 2>/dev/null | head -c 23)
	if [ "$RC" != 0 ]; then
		fail minimal-Image-virtio-blk "smolvm exit status $RC, expected 0"
	elif [ "$(value minimal-Image-virtio-blk SECTORS)" != 8192 ]; then
		fail minimal-Image-virtio-blk "/sys/block/vda/size is '$(value minimal-Image-virtio-blk SECTORS)', expected 8192 (device-tree nodes: $(value minimal-Image-virtio-blk DT-NODES))"
	elif [ "$(value minimal-Image-virtio-blk AT0)" != SMOLVM-DISK-PATTERN-AT-0 ] ||
		[ "$(value minimal-Image-virtio-blk AT1M)" != SMOLVM-DISK-PATTERN-AT-1M ]; then
		fail minimal-Image-virtio-blk "read '$(value minimal-Image-virtio-blk AT0)' and '$(value minimal-Image-virtio-blk AT1M)' from /dev/vda"
	elif [ "$(value minimal-Image-virtio-blk WROTE)" != 2 ] || [ "$back" != WRITTEN-BY-THE-GUEST-42 ]; then
		fail minimal-Image-virtio-blk "the guest's write did not reach the disk image (read back '$back')"
	else
		t_pass minimal-Image-virtio-blk
	fi
	rm -f /tmp/disk.img
fi

t_end
