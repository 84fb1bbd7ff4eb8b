#!/bin/sh
# l2-init.sh: /init of the L2 guest initramfs. Mounts the usual file systems, says it is
# ready, then runs the commands typed on the console (tests type them through smolvm's stdin).
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "L2-READY"
# The shell reads the console through a pipe: an interactive busybox sh asks the terminal
# for its cursor position (ESC [6n) and eats typed-ahead input while it waits for the reply.
exec /bin/sh -c 'cat /dev/console | /bin/sh'
