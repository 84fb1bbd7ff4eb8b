# SPDX-License-Identifier: MIT
# shellcheck shell=sh
#
# l1-hostroot.sh -- L1 side (busybox sh in L1's initramfs): the host's root file system,
# shared read-only over virtio-9p (tag hostroot), mounted at /host with what a program
# run chrooted there needs: proc, sysfs, devtmpfs (so /dev/kvm is there), devpts, and
# tmpfs on /tmp, /run, /var/tmp, /dev/shm. Shares tagged share0, share1, ... (host
# directories, writable unless QEMU exports them read-only) are mounted over that at the host
# paths listed in /harness/shares, one per line in tag order. Used by x86_64/in-l1.sh (see there for the host side).

HOSTROOT_OPTS=trans=virtio,version=9p2000.L,msize=512000

# hostroot_mount: mounts it all; prints 'IN-L1-ERROR: ...' and returns 1 on failure.
hostroot_mount() {
	mkdir -p /host
	if ! mount -t 9p -o "$HOSTROOT_OPTS,ro,cache=loose" hostroot /host; then
		echo "IN-L1-ERROR: cannot mount the host root over 9p (virtio-pci/9p modules?)"
		return 1
	fi
	mount -t proc proc /host/proc
	mount -t sysfs sysfs /host/sys
	mount -t devtmpfs devtmpfs /host/dev
	mkdir -p /host/dev/pts /host/dev/shm 2>/dev/null
	mount -t devpts -o newinstance,ptmxmode=0666 devpts /host/dev/pts 2>/dev/null &&
		ln -sf pts/ptmx /host/dev/ptmx 2>/dev/null
	mount -t tmpfs -o mode=1777 tmpfs /host/dev/shm 2>/dev/null
	mount -t tmpfs -o mode=1777 tmpfs /host/tmp
	mount -t tmpfs -o mode=755 tmpfs /host/run
	mount -t tmpfs -o mode=1777 tmpfs /host/var/tmp 2>/dev/null
	# After the tmpfs mounts, so that a shared directory under /tmp is not hidden.
	h_i=0
	while [ -s /harness/shares ] && IFS= read -r h_dir; do
		mkdir -p "/host$h_dir" 2>/dev/null
		if ! mount -t 9p -o "$HOSTROOT_OPTS" "share$h_i" "/host$h_dir"; then
			echo "IN-L1-ERROR: cannot mount the share share$h_i at /host$h_dir"
			return 1
		fi
		h_i=$((h_i + 1))
	done </harness/shares
	return 0
}

# hostroot_umount: flushes and unmounts the shares.
hostroot_umount() {
	sync
	while [ -s /harness/shares ] && IFS= read -r h_dir; do
		umount "/host$h_dir" 2>/dev/null
	done </harness/shares
}
