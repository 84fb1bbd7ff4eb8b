#!/bin/sh
# SPDX-License-Identifier: MIT
#
# bench/net-l1.sh -- the L1 side of bench/net.sh. Not run by hand.
#
# Stage 1 (no arguments): run by tests/harness/x86_64/run-l1.sh as
# /harness/test.sh under busybox sh in L1's initramfs: l1_chroot of
# bench/lib-l1.sh mounts the host root and chroots into it, running stage 2
# with the host's sh (as bench/disk-l1.sh).
#
# Stage 2 (--in-chroot WORK): copies smolvm, vmmrun, netio, the L2 kernel and
# initramfs to L1's tmpfs; creates one persistent tap interface, tap0, with
# 10.0.0.1/24 on L1's side, and starts `netio server` on it (port 5201) for
# the whole session. Then boots the L2 guest once per VMM as a warm-up (small
# tests), then ROUNDS times per VMM, interleaved with the VMM order rotating.
# Every VMM gets the same tap0 and the same guest MAC address; the guest
# (bench/linux/net/l2-init.sh) takes 10.0.0.2/24, runs the tests against L1
# and powers off. A VMM variant "qemu-microvm-vhost" (vhost=on) is dropped
# when L1 has no /dev/vhost-net. Results: WORK/results.tsv, one line a run:
#   round vmm total_us status maxrss_kb utime_us stime_us
# (round 0 = warm-up, "stats" = the extra `smolvm --stats` run), per-run
# console (time-stamped by L1), stderr and L1 counter snapshots in
# WORK/runs/VMM-ROUND.{out,err,stats}, the server's log in WORK/netio.log and
# L1 facts in WORK/l1-info.txt. Console lines: BENCH-RUN ..., BENCH-DONE.

if [ "$1" != "--in-chroot" ]; then
	# ---- stage 1: busybox sh in L1's initramfs ----
	. /harness/lib-l1.sh || exit 1
	l1_chroot net-l1.sh
	exit
fi

# ---- stage 2: in the chroot (host root, read-only; /tmp is L1's tmpfs) ----
WORK=$2
. "$WORK/bench.conf" || exit 1
. "$WORK/lib-l1.sh" || exit 1
T=/tmp/bench
TAP=tap0
L1_IP=10.0.0.1
GUEST_IP=10.0.0.2
MAC=52:54:00:12:34:56 # QEMU's default; smolvm is given the same
PORT=5201
l1_setup smolvm vmmrun netio kernel l2-initrd.cpio.gz || exit 1
[ -c /dev/net/tun ] || {
	echo "BENCH-ERROR: no /dev/net/tun in L1 (the tun module)"
	exit 1
}
# Persistent, so that it keeps its address and state from one VMM to the next; each VMM
# attaches to it (IFF_VNET_HDR) and sets the offloads its guest driver accepted.
if ! ip tuntap add dev $TAP mode tap || ! ip addr add $L1_IP/24 dev $TAP ||
	! ip link set $TAP up; then
	echo "BENCH-ERROR: cannot create and configure $TAP"
	exit 1
fi
if [ ! -c /dev/vhost-net ]; then
	case " $VMMS " in
	*" qemu-microvm-vhost "*)
		echo "BENCH-INFO: no /dev/vhost-net in L1: qemu-microvm-vhost dropped"
		VMMS=$(echo " $VMMS " | sed 's/ qemu-microvm-vhost / /;s/^ //;s/ $//') ;;
	esac
fi
$T/netio server -p $PORT >$T/netio.log 2>&1 &
SERVER=$!

{
	l1_facts "$QEMU"
	echo "tap: $TAP, $L1_IP/24, $(cat /sys/class/net/$TAP/mtu) MTU;" \
		"vhost-net: $([ -c /dev/vhost-net ] && echo yes || echo no); VMMs run: $VMMS"
} >"$WORK/l1-info.txt" 2>&1
sed 's/^/BENCH-INFO: /' "$WORK/l1-info.txt"

# run ROUND VMM SIZES [EXTRA SMOLVM ARGS]: one boot with the network tests, one line in
# results.tsv.
run() {
	r=$1 v=$2 sizes=$3
	shift 3
	K=$T/kernel I=$T/l2-initrd.cpio.gz base=$T/runs/$v-$r
	case $v in
	smolvm | smolvm-b)
		set -- "$T/$v" "$@" -k "$K" -i "$I" -m "$MEM" --net "tap=$TAP,mac=$MAC" \
			-p "$CMDLINE $sizes" ;;
	qemu-microvm*)
		# virtio-mmio like smolvm; vhost=off: the device in QEMU's user space, like
		# smolvm's. Variants (not the reference): -vhost = vhost=on (the device in L1's
		# kernel, vhost-net); -modern = virtio 1.x virtio-mmio (QEMU 7.2's virtio-mmio
		# is legacy unless force-legacy=false); -nomrg = without mergeable receive
		# buffers (VIRTIO_NET_F_MRG_RXBUF), which QEMU offers by default.
		vhost=off dev=virtio-net-device,netdev=n0,mac=$MAC
		set --
		case $v in
		qemu-microvm) ;;
		qemu-microvm-vhost) vhost=on ;;
		qemu-microvm-modern) set -- -global virtio-mmio.force-legacy=false ;;
		qemu-microvm-nomrg) dev=$dev,mrg_rxbuf=off ;;
		*)
			echo "BENCH-ERROR: unknown VMM $v"
			return ;;
		esac
		set -- "$QEMU" -M microvm -accel kvm -nodefaults -no-user-config -nographic \
			-serial stdio -no-reboot -m "$MEM" -kernel "$K" -initrd "$I" \
			-append "$CMDLINE $sizes" "$@" \
			-netdev "tap,id=n0,ifname=$TAP,script=no,downscript=no,vhost=$vhost" \
			-device "$dev" ;;
	*)
		echo "BENCH-ERROR: unknown VMM $v"
		return ;;
	esac
	l1_run "$r" "$v" "$base" "NET-BEGIN NET-RESULT NET-DONE" -- "$@"
	sed -n 's/^[0-9.]* NET-RESULT name=\([^ ]*\) mode=[^ ]* \(.*\)/  \1: \2/p' "$base.out"
	# shellcheck disable=SC2154 # l_status: set by l1_run
	if [ "$l_status" -ne 0 ] || ! grep -q 'NET-DONE status=0' "$base.out"; then
		echo "BENCH-FAIL round=$r vmm=$v: exit status $l_status or failed tests; last output:"
		l1_failed "$base"
		tail -n 5 $T/netio.log | sed 's/^/  netio: /'
	fi
}

l1_heartbeat
NETARGS="net.ip=$GUEST_IP net.host=$L1_IP"
SIZES="$NETARGS net.mb=$NET_MB net.rr_n=$RR_N net.ping_n=$PING_N"
# The warm-up with small tests.
l1_rounds "$NETARGS net.mb=8 net.rr_n=200 net.ping_n=3" "$SIZES"
# smolvm's own exit statistics over one whole run.
run stats smolvm "$SIZES" --stats

kill $SERVER 2>/dev/null
cp $T/netio.log "$WORK/netio.log"
ip link del $TAP 2>/dev/null
cp $T/results.tsv "$WORK/results.tsv"
sync
echo "BENCH-DONE"
