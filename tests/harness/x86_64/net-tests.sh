# net-tests.sh: sourced by linux-tests.sh inside L1 for a kernel with virtio-net built in
# ($1 = kernel path, $2 = test name prefix). smolvm runs in the background with
# --net tap=tap0; L1 gives tap0 10.0.2.1/24, the guest gives eth0 10.0.2.15/24. Then: the
# guest pings L1 and L1 pings the guest; 10 MiB of random data go L1 -> guest (virtio-net
# receive) and back guest -> L1 (transmit) with busybox nc, and once more each way over
# HTTP (busybox httpd sends with sendfile(), so TSO frames of up to 64 KiB cross the
# device; busybox 1.35's wget crashes with -T, so it has none). Every copy is checked by
# md5. Then the guest rebinds its driver (a device reset) and pings again, and powers off:
# smolvm must exit 0. Uses value from linux-tests.sh; needs the tun module in L1 (run-all.sh
# loads it).
n_kernel=$1
v=$2
n="$v-net"
NET_TIMEOUT=${NET_TIMEOUT:-600}
NET_BYTES=10485760

# wait_for TEXT SECS: polls the guest's output until it contains TEXT; false after SECS
# seconds or when smolvm is gone.
wait_for() {
	w_n=0
	while ! grep -q "$1" "/tmp/$n.raw" 2>/dev/null; do
		[ $w_n -ge $(($2 * 5)) ] && return 1
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.2
		w_n=$((w_n + 1))
	done
}

# nfail TEST WHY: the guest's last output and smolvm's stderr, then the failure of TEST.
nfail() {
	tr -d '\r' <"/tmp/$n.raw" >"/tmp/$n.out"
	echo "----- $1: last 40 lines of guest output"
	tail -n 40 "/tmp/$n.out"
	echo "----- $1: smolvm stderr"
	tail -n 20 "/tmp/$n.err"
	t_fail "$1" "$2"
}

now() {
	cut -d' ' -f1 /proc/uptime
}

# rate T0 T1: NET_BYTES over T1 - T0 seconds, as "S s = R MB/s" (MB = 10^6 bytes).
rate() {
	awk -v a="$1" -v b="$2" -v n="$NET_BYTES" \
		'BEGIN { s = b - a; r = 0; if (s > 0) r = n / s / 1e6; printf "%.2f s = %.1f MB/s", s, r }'
}

# check_copy TEST WHAT MD5 TIMING: passes TEST if MD5 is the sent data's.
check_copy() {
	if [ "$3" = "$want" ]; then
		echo "net: $2: $NET_BYTES bytes in $4"
		t_pass "$1"
	else
		nfail "$1" "$2: md5 '$3', sent $want"
	fi
}

if [ ! -c /dev/net/tun ]; then
	t_skip "$n" "L1 has no /dev/net/tun (run-all.sh loads the tun module)"
	return 0
fi

# Markers are built with $((...)) so the echo of a typed command never matches them. A
# receiving nc reads a FIFO opened read-write, stdin that never ends: busybox nc ends the
# connection at its own stdin's EOF, and stops at the peer's.
cat >/tmp/cmds-net <<'CMDS'



ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && echo NET-UP-$((40 + 1))
echo "## NET-FEATURES-$((0 + 1)):$(cat /sys/class/net/eth0/device/features)"
i=0; while ! ping -c 1 -W 1 10.0.2.1 >/dev/null 2>&1 && [ $i -lt 120 ]; do sleep 0.5; i=$((i + 1)); done
echo "## GUEST-PING-$((0 + 2)):$(ping -c 3 10.0.2.1 | grep -o '[0-9]* packets received')"
mkfifo /tmp/fifo; echo NET-LISTEN-$((40 + 2))
nc -l -p 5001 <>/tmp/fifo >/tmp/data
echo "## NC-RX-$((0 + 3)):$(md5sum </tmp/data | cut -d' ' -f1)"
t0=$(cut -d' ' -f1 /proc/uptime); nc 10.0.2.1 5000 </tmp/data; t1=$(cut -d' ' -f1 /proc/uptime)
echo "## NC-TX-$((0 + 4)):$t0 $t1"
t0=$(cut -d' ' -f1 /proc/uptime); wget -q -O /tmp/data2 http://10.0.2.1:8080/data; t1=$(cut -d' ' -f1 /proc/uptime)
echo "## HTTP-RX-$((0 + 5)):$(md5sum </tmp/data2 | cut -d' ' -f1) $t0 $t1"
rm -f /tmp/data2; httpd -p 8080 -h /tmp && echo HTTPD-UP-$((40 + 6))
nc -l -p 5002 <>/tmp/fifo >/dev/null
d=$(basename "$(readlink /sys/class/net/eth0/device)"); echo "$d" >/sys/bus/virtio/drivers/virtio_net/unbind; echo "$d" >/sys/bus/virtio/drivers/virtio_net/bind
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0
echo "## REBIND-$((0 + 7)):$(ping -c 3 -W 5 10.0.2.1 | grep -o '[0-9]* packets received')"
poweroff -f
CMDS

t_begin "$n-setup"
rm -rf /tmp/net-fifo /tmp/net-recv /tmp/net-http /tmp/net-www
mkdir /tmp/net-www
head -c $NET_BYTES /dev/urandom >/tmp/net-www/data
want=$(md5sum </tmp/net-www/data | cut -d' ' -f1)
# L1's servers, up before the guest needs them: nc for guest -> L1, httpd for L1 -> guest.
mkfifo /tmp/net-fifo
nc -l -p 5000 <>/tmp/net-fifo >/tmp/net-recv &
ncpid=$!
httpd -f -p 8080 -h /tmp/net-www &
httpdpid=$!
timeout "$NET_TIMEOUT" "$SMOLVM" -k "$n_kernel" -i "$INITRD" -m 256M --net tap=tap0 \
	-p "console=ttyS0" </tmp/cmds-net >"/tmp/$n.raw" 2>"/tmp/$n.err" &
pid=$!
w=0
while ! ip link show tap0 >/dev/null 2>&1 && [ $w -lt 150 ] && kill -0 $pid 2>/dev/null; do
	sleep 0.2
	w=$((w + 1))
done
if ! kill -0 $pid 2>/dev/null && grep -q "not available in this build" "/tmp/$n.err"; then
	kill $ncpid $httpdpid 2>/dev/null
	wait $ncpid $httpdpid 2>/dev/null
	t_skip "$n-setup" "this smolvm has no virtio-net"
	return 0
fi
if ip addr add 10.0.2.1/24 dev tap0 && ip link set tap0 up; then
	t_pass "$n-setup"
else
	nfail "$n-setup" "tap0 did not appear or could not be configured"
fi

# 1. The guest pings L1 (after its own wait for the link), then L1 pings the guest.
t_begin "$n-guest-ping"
if ! wait_for "GUEST-PING-2:" 300; then
	nfail "$n-guest-ping" "the guest never got to ping (eth0 up: $(grep -c NET-UP-41 "/tmp/$n.raw"))"
else
	tr -d '\r' <"/tmp/$n.raw" >"/tmp/$n.out"
	got=$(value "$n" GUEST-PING-2)
	if [ "$got" = "3 packets received" ]; then
		t_pass "$n-guest-ping"
	else
		nfail "$n-guest-ping" "guest ping 10.0.2.1: '$got', expected 3 packets received"
	fi
fi

t_begin "$n-host-ping"
got=$(ping -c 3 -W 5 10.0.2.15 | grep -o '[0-9]* packets received')
if [ "$got" = "3 packets received" ]; then
	t_pass "$n-host-ping"
else
	nfail "$n-host-ping" "L1 ping 10.0.2.15: '$got', expected 3 packets received"
fi

# 2. nc, L1 -> guest: the receive path. Retried while the guest's nc is not listening yet.
t_begin "$n-nc-rx-10M"
t0=$(now)
if wait_for "NET-LISTEN-42" 60; then
	tries=0
	t0=$(now)
	until nc 10.0.2.15 5001 </tmp/net-www/data; do
		tries=$((tries + 1))
		[ $tries -ge 50 ] && break
		sleep 0.2
		t0=$(now)
	done
fi
t1=$(now)
wait_for "NC-RX-3:" 120
tr -d '\r' <"/tmp/$n.raw" >"/tmp/$n.out"
check_copy "$n-nc-rx-10M" "nc L1 -> guest" "$(value "$n" NC-RX-3)" "$(rate "$t0" "$t1")"

# 3. nc, guest -> L1: the transmit path (busybox nc writes 1 KiB at a time).
t_begin "$n-nc-tx-10M"
wait_for "NC-TX-4:" 300
# The listener ends with the connection; don't wait forever if the guest never connected.
kill -0 $ncpid 2>/dev/null && sleep 2
kill $ncpid 2>/dev/null
wait $ncpid 2>/dev/null
tr -d '\r' <"/tmp/$n.raw" >"/tmp/$n.out"
times=$(value "$n" NC-TX-4)
# shellcheck disable=SC2086 # "T0 T1"
check_copy "$n-nc-tx-10M" "nc guest -> L1" "$(md5sum </tmp/net-recv | cut -d' ' -f1)" \
	"$(rate ${times:-0 0})"
rm -f /tmp/net-recv

# 4. HTTP, L1 -> guest: L1's httpd sends with sendfile(), so L1 hands the tap TSO frames.
t_begin "$n-http-rx-10M"
wait_for "HTTP-RX-5:" 300
tr -d '\r' <"/tmp/$n.raw" >"/tmp/$n.out"
got=$(value "$n" HTTP-RX-5)
# shellcheck disable=SC2086 # "T0 T1"
check_copy "$n-http-rx-10M" "http L1 -> guest" "${got%% *}" "$(rate ${got#* })"
kill $httpdpid 2>/dev/null
wait $httpdpid 2>/dev/null

# 5. HTTP, guest -> L1: the guest's httpd, TSO frames from the guest. Then L1 tells the
# guest to power off (an empty connection to its port 5002).
t_begin "$n-http-tx-10M"
if wait_for "HTTPD-UP-46" 60; then
	t0=$(now)
	timeout 120 wget -q -O /tmp/net-http http://10.0.2.15:8080/data
	t1=$(now)
	check_copy "$n-http-tx-10M" "http guest -> L1" "$(md5sum </tmp/net-http | cut -d' ' -f1)" \
		"$(rate "$t0" "$t1")"
else
	nfail "$n-http-tx-10M" "the guest's httpd did not start"
fi
tries=0
until nc 10.0.2.15 5002 </dev/null || [ $tries -ge 50 ] || ! kill -0 $pid 2>/dev/null; do
	tries=$((tries + 1))
	sleep 0.2
done

# 6. The driver unbound and bound again (a device reset with buffers in flight), then a
# ping from the new driver instance.
t_begin "$n-rebind"
wait $pid
RC=$?
tr -d '\r' <"/tmp/$n.raw" >"/tmp/$n.out"
got=$(value "$n" REBIND-7)
if [ "$got" = "3 packets received" ]; then
	t_pass "$n-rebind"
else
	nfail "$n-rebind" "ping after the driver was rebound: '$got', expected 3 packets received"
fi

t_begin "$n-poweroff"
features=$(value "$n" NET-FEATURES-1)
if [ "$RC" != 0 ]; then
	nfail "$n-poweroff" "smolvm exit status $RC after poweroff, expected 0"
elif [ "$(echo "$features" | cut -c 6)" != 1 ] || [ "$(echo "$features" | cut -c 17)" != 1 ]; then
	nfail "$n-poweroff" "negotiated features '$features' lack MAC or STATUS"
elif grep -q -i -E 'error|warn' "/tmp/$n.err"; then
	nfail "$n-poweroff" "smolvm complained: $(head -n 3 "/tmp/$n.err")"
else
	echo "net: negotiated features $features"
	t_pass "$n-poweroff"
fi
rm -rf /tmp/net-fifo /tmp/net-recv /tmp/net-http /tmp/net-www

# 7. A tap name the kernel would refuse: one clear message, usage exit status (2).
t_begin "$n-bad-tap"
"$SMOLVM" -k "$n_kernel" -i "$INITRD" --net tap=bad/name </dev/null >"/tmp/$n-bad.out" 2>"/tmp/$n-bad.err"
rc=$?
if [ $rc = 2 ] && grep -q "invalid tap interface name 'bad/name'" "/tmp/$n-bad.err"; then
	t_pass "$n-bad-tap"
else
	t_fail "$n-bad-tap" "exit $rc, stderr: $(head -n 2 "/tmp/$n-bad.err")"
fi
