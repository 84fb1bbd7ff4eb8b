#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of the L2 guest initramfs for bench/net.sh: network tests from the guest (eth0,
# virtio-net) to L1's end of the tap, with busybox ping and /bin/netio
# (bench/linux/net/netio.c, its server runs in L1); results on the console as NET-* lines,
# then power off.
#
# Settings from the kernel command line (defaults in brackets):
#   net.ip=A      [10.0.0.2] the guest's address (/24)
#   net.host=A    [10.0.0.1] L1's address, where `netio server` listens on port 5201
#   net.mb=N      [128] MiB per throughput test
#   net.rr_n=N    [2000] round trips of the tcp-rr test
#   net.ping_n=N  [20] pings (0.2 s apart)
# Tests, in this order:
#   ping     busybox ping -c ping_n -i 0.2 host: round-trip time, median and mean
#   tcp-rr   netio -m rr: 1-byte request / 1-byte response over TCP, rr_n times
#   tcp-tx   netio -m tx: mb MiB guest -> L1 (virtio-net transmit)
#   tcp-tx-1k  the same with 1 KiB writes (like busybox nc), mb / 8 MiB
#   tcp-rx   netio -m rx: mb MiB L1 -> guest (virtio-net receive)
# Output: NET-INFO lines (device facts), NET-BEGIN NAME before and NET-RESULT ... after each
# test, NET-DONE status=N at the end.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

ip=10.0.0.2 host=10.0.0.1 mb=128 rr_n=2000 ping_n=20
for a in $(cat /proc/cmdline); do
	case $a in
	net.ip=*) ip=${a#*=} ;;
	net.host=*) host=${a#*=} ;;
	net.mb=*) mb=${a#*=} ;;
	net.rr_n=*) rr_n=${a#*=} ;;
	net.ping_n=*) ping_n=${a#*=} ;;
	esac
done

rc=0
finish() {
	echo "NET-DONE status=$rc"
	# poweroff -f does not wait for the tty; stty (TCSETSW) waits until the
	# output has been sent.
	stty onlcr
	poweroff -f
}

if [ ! -e /sys/class/net/eth0 ]; then
	echo "NET-ERROR no eth0"
	ls /sys/class/net
	rc=1
	finish
fi
ip link set lo up
if ! ip addr add "$ip/24" dev eth0 || ! ip link set eth0 up; then
	echo "NET-ERROR cannot configure eth0"
	rc=1
	finish
fi
echo "NET-INFO kernel=$(uname -r) mtu=$(cat /sys/class/net/eth0/mtu)" \
	"mac=$(cat /sys/class/net/eth0/address)" \
	"features=$(cat /sys/class/net/eth0/device/features 2>/dev/null)"
# Link and ARP: the first answered ping (L1 may take a moment to see the carrier).
i=0
while ! ping -c 1 -W 1 "$host" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -ge 60 ]; then
		echo "NET-ERROR no answer from $host"
		rc=1
		finish
	fi
done
echo "NET-INFO link up after $i failed pings"

echo "NET-BEGIN ping"
ping -c "$ping_n" -i 0.2 "$host" >/tmp/ping 2>&1
# "64 bytes from A: seq=0 ttl=64 time=0.523 ms" -> microseconds, sorted
sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' /tmp/ping | awk '{ printf "%d\n", $1 * 1000 }' |
	sort -n >/tmp/rtt
got=$(wc -l </tmp/rtt)
if [ "$got" -gt 0 ]; then
	p50=$(sed -n "$((got / 2 + 1))p" /tmp/rtt)
	echo "NET-RESULT name=ping mode=ping n=$ping_n received=$got p50_us=$p50" \
		"$(awk '{ s += $1 } NR == 1 { lo = $1 } { hi = $1 } END { printf "avg_us=%d min_us=%d max_us=%d", s / NR, lo, hi }' /tmp/rtt)" \
		"errors=$((ping_n - got))"
else
	echo "NET-RESULT name=ping mode=ping n=$ping_n received=0 errors=$ping_n"
fi
[ "$got" -eq "$ping_n" ] || rc=1

t() { # t NAME ARGS...: one netio test
	n=$1
	shift
	echo "NET-BEGIN $n"
	/bin/netio client -N "$n" "$@" "$host" || rc=1
}
t tcp-rr -m rr -n "$rr_n"
t tcp-tx -m tx -n $((mb * 1048576))
t tcp-tx-1k -m tx -b 1024 -n $((mb * 1048576 / 8))
t tcp-rx -m rx -n $((mb * 1048576))
# How many interrupts the virtio-net device raised over the whole boot.
grep virtio /proc/interrupts | sed 's/^/NET-INFO irq /'
finish
