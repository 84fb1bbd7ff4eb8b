#!/bin/sh
# l2-init.sh: /init of the L2 guest initramfs. Mounts the usual file systems, says it is
# ready, then gives the console to a shell: tests type commands through smolvm's stdin.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "L2-READY"
exec /bin/sh
