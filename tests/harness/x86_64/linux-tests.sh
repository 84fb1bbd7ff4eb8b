# linux-tests.sh: runs inside L1 (see run-all.sh). Boots Linux guests with smolvm on L1's
# /dev/kvm, types commands into their serial console through smolvm's stdin, and checks
# what they print and how smolvm exits. Kernels sit in /l2/kernels/NAME.{bzImage,vmlinux}.
. /harness/lib.sh

SMOLVM=/bin/smolvm
INITRD=/l2/initrd
BOOT_TIMEOUT=${BOOT_TIMEOUT:-240}

# boot NAME KERNEL INPUT [SMOLVM ARGS...]: output in /tmp/NAME.out and .err, status in $RC.
boot() {
	b_name=$1 b_kernel=$2 b_input=$3
	shift 3
	timeout "$BOOT_TIMEOUT" "$SMOLVM" -k "$b_kernel" -i "$INITRD" "$@" <"$b_input" \
		>"/tmp/$b_name.raw" 2>"/tmp/$b_name.err"
	RC=$?
	tr -d '\r' <"/tmp/$b_name.raw" >"/tmp/$b_name.out"
}

# fail, value, mark, burst_check, irq_total: in lib.sh (both architectures' Linux tests).

# The first bytes may be eaten while the guest's serial driver starts: lead with newlines.
# Kernel messages stay off the console from the first command on: printk writes them at once,
# in the middle of a line of the shell's output (in the nested harness a long burst of
# serial output makes the kernel report RCU stalls). That split "MARK-..." lines and looked
# like a lost byte; with them off, every byte of the output is checked (burst_check, mark).
BURST=3000
cat >/tmp/cmds-main <<CMDS



dmesg -n 1
echo "MARK-CMDLINE:\$(cat /proc/cmdline)"
echo "MARK-NPROC:\$(nproc)"
echo "MARK-MEMKB:\$(awk '/MemTotal/ {print \$2}' /proc/meminfo)"
echo "MARK-IRQ1:\$(grep ttyS0 /proc/interrupts)"
echo some output to make the serial port interrupt; ls /proc; ls /sys; ls /dev; echo MARK-BURST; seq 1 $BURST
echo "MARK-IRQ2:\$(grep ttyS0 /proc/interrupts)"
poweroff -f
CMDS
# $((...)) keeps the marker out of the echo of the typed command.
printf '\n\n\nsleep 1; echo MARK-REBOOT-$((40 + 2)); reboot -f\n' >/tmp/cmds-reboot
printf '\n\n\nsleep 1; echo c > /proc/sysrq-trigger\n' >/tmp/cmds-panic

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
	got=$(burst_check "$m_name" "$BURST" MARK-IRQ2:)
	if [ -n "$got" ]; then
		fail "$m_name" "serial output after a long burst on $m_cpus vCPUs: $got"
		return
	fi
	i1=$(irq_total "$(mark "$m_name" MARK-IRQ1)")
	i2=$(irq_total "$(mark "$m_name" MARK-IRQ2)")
	if [ -z "$i1" ] || [ -z "$i2" ] || [ "$i2" -le "$i1" ] || [ "$i1" -eq 0 ]; then
		fail "$m_name" "ttyS0 interrupts did not grow ('$i1' -> '$i2'): serial not interrupt-driven"
		return
	fi
	t_pass "$m_name"
}

for kernel in /l2/kernels/*; do
	k=$(basename "$kernel" | tr . -)
	cmdline="console=ttyS0 panic=-1 smolvm.test=$k"

	t_begin "$k-main"
	boot "$k-main" "$kernel" /tmp/cmds-main -m 256M -c 2 -p "$cmdline"
	main_checks "$k-main" "$cmdline" 256 2

	t_begin "$k-reboot"
	boot "$k-reboot" "$kernel" /tmp/cmds-reboot -m 256M -p "console=ttyS0"
	if [ "$RC" != 0 ] || ! grep -q 'MARK-REBOOT-42' "/tmp/$k-reboot.out"; then
		fail "$k-reboot" "smolvm exit status $RC after reboot, expected 0 (or no marker)"
	else
		t_pass "$k-reboot"
	fi

	t_begin "$k-panic"
	boot "$k-panic" "$kernel" /tmp/cmds-panic -m 256M -p "console=ttyS0"
	if [ "$RC" != 1 ]; then
		fail "$k-panic" "smolvm exit status $RC after a kernel panic, expected 1"
	elif ! grep -q 'Kernel panic - not syncing' "/tmp/$k-panic.out" ||
		! grep -q 'the guest kernel panicked' "/tmp/$k-panic.err" ||
		! grep -q 'Kernel panic - not syncing' "/tmp/$k-panic.err"; then
		fail "$k-panic" "panic text missing from the output or from smolvm's report"
	else
		t_pass "$k-panic"
	fi
	# virtio devices: the project's minimal kernel has them built in (Debian's are modules).
	case $k in minimal-bzImage)
		. /harness/virtio-tests.sh "$kernel" "$k"
		. /harness/net-tests.sh "$kernel" "$k"
		;;
	esac
done
t_end
