# virtio-tests.sh: sourced by linux-tests.sh inside L1 for a kernel with virtio-mmio
# built in ($1 = kernel path, $2 = test name prefix). L1 has two virtio disks from the host:
# /dev/vda is an ext4 image the host checks with debugfs afterwards, /dev/vdb a raw scratch
# disk for the durability test. Uses boot/fail/value from linux-tests.sh.
v_kernel=$1
v=$2

if [ ! -b /dev/vda ] || [ ! -b /dev/vdb ]; then
	t_skip "$v-virtio" "L1 has no /dev/vda and /dev/vdb (run-all.sh gives it two disks)"
	return 0
fi

# 1. ext4 on --disk: write files, sync, power off. The host reads them back (run-all.sh).
cat >/tmp/cmds-ext4 <<'CMDS'



mkdir -p /mnt && mount -t ext4 /dev/vda /mnt && echo MOUNTED-$((1 + 1))
echo "hello from smolvm" > /mnt/greeting
head -c 1048576 /dev/hwrng > /mnt/random.bin
md5sum /mnt/random.bin | cut -d' ' -f1 > /mnt/random.md5
sync; umount /mnt && echo UMOUNTED-$((2 + 1))
echo HWRNG:$(head -c 16 /dev/hwrng | od -An -tx1 | tr -d ' ')
echo ROOT:$(cat /sys/block/vda/ro)
poweroff -f
CMDS
t_begin "$v-virtio-ext4"
boot "$v-virtio-ext4" "$v_kernel" /tmp/cmds-ext4 -m 256M --disk /dev/vda --rng -p "console=ttyS0"
rng=$(value "$v-virtio-ext4" HWRNG)
if [ "$RC" != 0 ]; then
	fail "$v-virtio-ext4" "smolvm exit status $RC, expected 0"
elif ! grep -q MOUNTED-2 "/tmp/$v-virtio-ext4.out" || ! grep -q UMOUNTED-3 "/tmp/$v-virtio-ext4.out"; then
	fail "$v-virtio-ext4" "the guest could not mount, write and unmount the ext4 disk"
elif [ "${#rng}" != 32 ] || [ "$rng" = 00000000000000000000000000000000 ]; then
	fail "$v-virtio-ext4" "/dev/hwrng gave '$rng'"
else
	t_pass "$v-virtio-ext4"
fi

# 2. Read-only and two disks at once: vdb is the same ext4 disk, read-only.
cat >/tmp/cmds-ro <<'CMDS'



echo SIZES:$(cat /sys/block/vda/size)-$(cat /sys/block/vdb/size)
echo RO:$(cat /sys/block/vda/ro)-$(cat /sys/block/vdb/ro)
dd if=/dev/zero of=/dev/vdb bs=4096 count=1 oflag=direct 2>/dev/null && echo WRITE-ACCEPTED || echo WRITE-REFUSED
mkdir -p /mnt && mount -t ext4 -o ro /dev/vdb /mnt && echo GREETING:$(cat /mnt/greeting)
poweroff -f
CMDS
t_begin "$v-virtio-ro-two-disks"
boot "$v-virtio-ro" "$v_kernel" /tmp/cmds-ro -m 256M --disk /dev/vdb --disk /dev/vda,ro -p "console=ttyS0"
vdb_sectors=$(($(blockdev --getsize64 /dev/vdb) / 512))
vda_sectors=$(($(blockdev --getsize64 /dev/vda) / 512))
if [ "$RC" != 0 ]; then
	fail "$v-virtio-ro" "smolvm exit status $RC, expected 0"
elif [ "$(value "$v-virtio-ro" SIZES)" != "$vdb_sectors-$vda_sectors" ]; then
	fail "$v-virtio-ro" "disk sizes '$(value "$v-virtio-ro" SIZES)', expected $vdb_sectors-$vda_sectors"
elif [ "$(value "$v-virtio-ro" RO)" != "0-1" ] || ! grep -q WRITE-REFUSED "/tmp/$v-virtio-ro.out"; then
	fail "$v-virtio-ro" "the read-only disk accepted a write (ro flags '$(value "$v-virtio-ro" RO)')"
elif [ "$(value "$v-virtio-ro" GREETING)" != "hello from smolvm" ]; then
	fail "$v-virtio-ro" "the read-only disk did not read back the greeting"
else
	t_pass "$v-virtio-ro-two-disks"
fi

# 3. Durability: the guest writes random data to the raw disk and syncs; as soon as it says
# so, smolvm is killed with SIGKILL. The data must be on L1's disk (read with O_DIRECT).
for trial in 1 2 3; do
	name="$v-virtio-sigkill-$trial"
	t_begin "$name"
	cat >"/tmp/cmds-$name" <<CMDS



head -c 65536 /dev/hwrng > /tmp/blob
dd if=/tmp/blob of=/dev/vda bs=65536 seek=$trial 2>/dev/null; sync
echo SUM:\$(md5sum /tmp/blob | cut -d' ' -f1)
echo SYNCED-\$((40 + $trial))
sleep 1000
CMDS
	timeout "$BOOT_TIMEOUT" "$SMOLVM" -k "$v_kernel" -i "$INITRD" -m 256M --disk /dev/vdb --rng \
		-p "console=ttyS0" <"/tmp/cmds-$name" >"/tmp/$name.raw" 2>"/tmp/$name.err" &
	pid=$!
	waited=0
	while ! grep -q "SYNCED-$((40 + trial))" "/tmp/$name.raw" 2>/dev/null && [ $waited -lt 600 ]; do
		sleep 0.2
		waited=$((waited + 1))
	done
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	tr -d '\r' <"/tmp/$name.raw" >"/tmp/$name.out"
	want=$(value "$name" SUM)
	got=$(dd if=/dev/vdb bs=65536 skip=$trial count=1 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
	if [ -z "$want" ]; then
		fail "$name" "the guest never reported its write"
	elif [ "$want" != "$got" ]; then
		fail "$name" "after SIGKILL the disk holds $got, the guest wrote $want"
	else
		t_pass "$name"
	fi
done

# 4. virtio-console: the guest's console is hvc0; commands go in and output comes out
# through the virtio queues, not the UART.
cat >/tmp/cmds-hvc <<'CMDS'



echo "## HVC:$(cat /sys/class/tty/console/active)-$((6 * 7))"
poweroff -f
CMDS
t_begin "$v-virtio-console"
boot "$v-virtio-console" "$v_kernel" /tmp/cmds-hvc -m 256M --virtio-console -p "console=hvc0"
if [ "$RC" != 0 ]; then
	fail "$v-virtio-console" "smolvm exit status $RC, expected 0"
elif [ "$(value "$v-virtio-console" HVC)" != "hvc0-42" ]; then
	fail "$v-virtio-console" "no answer through hvc0 (got '$(value "$v-virtio-console" HVC)')"
else
	t_pass "$v-virtio-console"
fi
