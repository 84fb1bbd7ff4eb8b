/* SPDX-License-Identifier: MIT */
/* file.h: opening the files a user names (kernel, initrd, device tree, disk image) with
 * user-facing error messages, and read-only mappings of them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "util/compiler.h"

struct mapped_file {
	const char *path;
	const uint8_t *data;
	size_t size;
};

/* "a directory", "a FIFO (named pipe)", ... for messages. */
const char *file_type_name(mode_t mode);

/* Opens @path with open(2) @flags without ever blocking (a FIFO would block in open())
 * and checks that it is a regular file, or with @block_ok a block device too. @what
 * ("kernel", "disk image") names it in the one error message logged here. Returns the fd
 * (blocking, close-on-exec) with its stat in @st, or -errno (-EINVAL: not a usable type). */
int __must_check file_open_checked(const char *path, int flags, const char *what, bool block_ok,
				   struct stat *st);

/* The checks of mapped_file_open() without keeping anything: 0 or -errno (logged). */
int __must_check mapped_file_check(const char *path, const char *what);

/* Maps @path read-only. @what ("kernel", "initrd") names the file in error messages, which
 * are logged here (missing, unreadable, a directory, a FIFO, empty). Returns 0 or -errno. */
int __must_check mapped_file_open(struct mapped_file *f, const char *path, const char *what);
void mapped_file_close(struct mapped_file *f);
