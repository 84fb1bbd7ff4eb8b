/* SPDX-License-Identifier: MIT */
/* file.h: read-only mapping of a user-supplied file (kernel, initrd, disk image). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util/compiler.h"

struct mapped_file {
	const char *path;
	const uint8_t *data;
	size_t size;
};

/* Maps @path read-only. @what ("kernel", "initrd") names the file in error messages, which
 * are logged here (missing, unreadable, a directory, empty). Returns 0 or -errno. */
int __must_check mapped_file_open(struct mapped_file *f, const char *path, const char *what);
void mapped_file_close(struct mapped_file *f);
