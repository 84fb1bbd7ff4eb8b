/* SPDX-License-Identifier: MIT */
/* disk_image.h: opening a --disk image: type checks that never block, and a lock like
 * QEMU's (an OFD lock: shared for a read-only disk, exclusive for a read-write one), so
 * that two VMs, or two --disk of one VM, cannot write the same image. */
#pragma once

#include <stdint.h>

#include "util/compiler.h"

struct disk_config;

/* Opens @disk (read-write or read-only as it says), checks that it is a regular file or
 * block device of at least one 512-byte sector and, unless @disk->no_lock, locks it for as
 * long as the fd stays open. A lock held elsewhere is refused naming the holder where it
 * can be found. Returns the fd with the image's size in bytes in @size, or -errno with one
 * message logged: -EBUSY (locked), -EINVAL (not a usable file), -ENOENT, ... */
int __must_check disk_image_open(const struct disk_config *disk, uint64_t *size);
