#!/bin/sh
# /init of the L2 guest initramfs for bench/linux-boot.sh: mount proc, print
# the marker the timing helper waits for, power off at once.
mount -t proc proc /proc
echo SMOLVM-BENCH-MARKER
# poweroff -f does not wait for the tty: without this the marker can still sit
# in the serial driver's buffer when the machine stops. stty sets the (same)
# mode with TCSETSW, which waits until the output has been sent.
stty onlcr
poweroff -f
