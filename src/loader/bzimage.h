/* SPDX-License-Identifier: MIT */
/* bzimage.h: x86 Linux bzImage parsing (Documentation/arch/x86/boot.rst). Only the format:
 * where each part is and whether smolvm can boot it. Placement is the arch's job. */
#pragma once

#include <asm/bootparam.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/compiler.h"

#define BZIMAGE_MIN_PROTOCOL 0x0206

struct bzimage {
	struct setup_header hdr; /* as in the file */
	size_t hdr_len;		 /* bytes of setup header to copy into boot_params.hdr */
	const uint8_t *kernel;	 /* protected-mode kernel (follows the real-mode setup) */
	size_t kernel_size;
};

/* True if @data carries the "HdrS" boot-protocol signature. */
bool bzimage_is_bzimage(const uint8_t *data, size_t size);

/* Validates the setup header: boot flag, protocol >= 2.06, loaded high, 64-bit entry,
 * sizes within the file. Logs why and returns -ENOEXEC otherwise. */
int __must_check bzimage_parse(const uint8_t *data, size_t size, const char *name,
			       struct bzimage *out);
