#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of the L2 guest initramfs for bench/disk.sh: disk tests on /dev/vda with
# /bin/randio (bench/linux/disk/randio.c), results on the console as DISK-* lines,
# then power off.
#
# Sizes come from the kernel command line (defaults in brackets):
#   disk.seq_mb=N     [128] MiB region of all tests (from offset 0)
#   disk.seq_passes=N [4] passes over the region by seqwrite and seqread (1 MiB calls)
#   disk.rand_n=N     [2000] 4 KiB calls per random test
#   disk.qd=N         [8] threads (= requests in flight) of the randread-qd test
# Tests, in this order: dd-seqwrite and dd-seqread (busybox dd bs=1M count=seq_mb,
# oflag=direct conv=fsync / iflag=direct, timed with `randio now`), then with randio
# (O_DIRECT, data checked on every read): seqwrite, seqread, randread, randwrite (4 KiB,
# one in flight), randread-qd (4 KiB, qd threads).
# Output: DISK-INFO lines (device facts), DISK-BEGIN NAME before and DISK-RESULT ... after each
# test, DISK-DONE status=N at the end.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

seq_mb=128 seq_passes=4 rand_n=2000 qd=8
for a in $(cat /proc/cmdline); do
	case $a in
	disk.seq_mb=*) seq_mb=${a#*=} ;;
	disk.seq_passes=*) seq_passes=${a#*=} ;;
	disk.rand_n=*) rand_n=${a#*=} ;;
	disk.qd=*) qd=${a#*=} ;;
	esac
done

rc=0
finish() {
	echo "DISK-DONE status=$rc"
	# poweroff -f does not wait for the tty; stty (TCSETSW) waits until the
	# output has been sent.
	stty onlcr
	poweroff -f
}

if [ ! -b /dev/vda ]; then
	echo "DISK-ERROR no /dev/vda"
	ls /sys/block
	rc=1
	finish
fi
q=/sys/block/vda/queue
echo "DISK-INFO kernel=$(uname -r) size_sectors=$(cat /sys/block/vda/size)" \
	"scheduler=$(cat $q/scheduler | tr ' ' ,) max_sectors_kb=$(cat $q/max_sectors_kb)" \
	"max_hw_sectors_kb=$(cat $q/max_hw_sectors_kb) max_segments=$(cat $q/max_segments)" \
	"nr_requests=$(cat $q/nr_requests) write_cache=$(cat $q/write_cache | tr ' ' _)" \
	"hw_queues=$(ls -d /sys/block/vda/mq/* 2>/dev/null | wc -l)"
cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
ce=/sys/devices/system/clockevents/clockevent0/current_device
echo "DISK-INFO clocksource=$(cat $cs 2>/dev/null) clockevent=$(cat $ce 2>/dev/null)" \
	"cpu_flags=$(grep -m1 -o -w -E 'x2apic|tsc_deadline_timer|constant_tsc|hypervisor' /proc/cpuinfo | tr '\n' , | sed 's/,$//')" \
	"apic=$(dmesg | grep -o -m1 -E 'x2apic enabled|Switched APIC routing to [a-z ]*|APIC: Switch to [a-z ]*' | tr ' ' _)"
for f in /sys/bus/virtio/devices/*; do
	[ "$(cat "$f/device" 2>/dev/null)" = 0x0002 ] &&
		echo "DISK-INFO virtio-blk features=$(cat "$f/features")"
done

t() { # t NAME ARGS...: one test
	n=$1
	shift
	echo "DISK-BEGIN $n"
	/bin/randio -N "$n" "$@" /dev/vda || rc=1
}
d() { # d NAME DD-ARGS...: busybox dd of seq_mb MiB in 1 MiB blocks, timed here
	n=$1
	shift
	echo "DISK-BEGIN $n"
	t0=$(/bin/randio now)
	dd bs=1M count="$seq_mb" "$@" 2>/dev/null || rc=1
	t1=$(/bin/randio now)
	us=$(((t1 - t0) / 1000))
	[ "$us" -gt 0 ] || us=1
	b=$((seq_mb * 1048576))
	# bytes per microsecond = 10^6 bytes/s
	echo "DISK-RESULT name=$n mode=dd bs=1048576 n=$seq_mb qd=1 us=$us" \
		"mbps=$((b / us)).$(printf %02d $((b * 100 / us % 100))) iops=$((seq_mb * 1000000 / us))" \
		"errors=0"
}
d dd-seqwrite if=/dev/zero of=/dev/vda oflag=direct conv=fsync
d dd-seqread if=/dev/vda of=/dev/null iflag=direct
t seqwrite -m seqwrite -b 1048576 -n $((seq_mb * seq_passes)) -r "$seq_mb"
t seqread -m seqread -b 1048576 -n $((seq_mb * seq_passes)) -r "$seq_mb"
t randread -m randread -b 4096 -n "$rand_n" -r "$seq_mb" -s 1
t randwrite -m randwrite -b 4096 -n "$rand_n" -r "$seq_mb" -s 2
t randread-qd -m randread -b 4096 -n "$rand_n" -r "$seq_mb" -s 3 -t "$qd"
# How many interrupts the virtio-blk device raised over the whole boot.
grep virtio /proc/interrupts | sed 's/^/DISK-INFO irq /'
finish
