#!/bin/sh
# l2-init.sh: /init of the L2 guest initramfs. Mounts the usual file systems, says it is
# ready, then runs the commands typed on the console (tests type them through smolvm's stdin).
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "L2-READY"
# Without echo busybox sh reads plain lines: its line editor would ask the terminal for the
# cursor position (ESC [6n) and eat typed-ahead input while it waits for the reply.
stty -echo
exec /bin/sh
