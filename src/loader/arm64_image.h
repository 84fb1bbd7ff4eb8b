/* SPDX-License-Identifier: MIT */
/* arm64_image.h: arm64 Linux Image parsing (Documentation/arch/arm64/booting.rst) and the
 * compressed wrappers kernels ship in (Image.gz, EFI zboot). Only the format: placement
 * in guest RAM is the arch's job. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/compiler.h"

#define ARM64_IMAGE_MAGIC	 0x644d5241u /* "ARM\x64" at offset 56 */
#define ARM64_IMAGE_HDR_SIZE	 64
#define ARM64_IMAGE_OLD_TEXT_OFF 0x80000 /* text_offset of kernels before v3.17 */
/* Larger images are refused as corrupt headers; it also keeps text_offset + image_size far
 * from overflowing in the caller's arithmetic. */
#define ARM64_IMAGE_MAX_SIZE (1ull << 30)
/* arm64_image_gunzip() refuses to produce more than this. */
#define ARM64_IMAGE_MAX_GUNZIP (256ull << 20)

#define ARM64_IMAGE_FLAG_BE	  0x1ull /* big-endian kernel */
#define ARM64_IMAGE_FLAG_PAGE	  0x6ull /* page size: 0 unspecified, 1 4K, 2 16K, 3 64K */
#define ARM64_IMAGE_FLAG_ANYWHERE 0x8ull /* 2 MiB base may be anywhere, not near RAM start */

struct arm64_image {
	/* The image goes at a 2 MiB-aligned base + text_offset (always < 2 MiB). */
	uint64_t text_offset;
	/* Bytes from the load address the kernel uses (.bss included), >= load_size. For
	 * kernels before v3.17, which leave it 0, an estimate from the file size. */
	uint64_t image_size;
	uint64_t flags; /* as in the header; 0 for kernels before v3.17 */
	/* Bytes of the file to copy: all of it, less any trailing bytes past image_size
	 * (an appended signature or padding is not part of the kernel). */
	size_t load_size;
	unsigned page_size; /* from flags: 4096, 16384, 65536, or 0 if unspecified */
};

/* True if @data is at least a header long and carries the arm64 magic. */
bool arm64_image_is_image(const uint8_t *data, size_t size);

/* Validates the header: little-endian kernel, sizes and text_offset sane. Logs why (naming
 * @name) and returns -ENOEXEC otherwise. */
int __must_check arm64_image_parse(const uint8_t *data, size_t size, const char *name,
				   struct arm64_image *out);

/* True if @data starts with the gzip magic (1f 8b). */
bool arm64_image_is_gzip(const uint8_t *data, size_t size);

/* Decompresses a gzip file (Image.gz; several concatenated members are one stream) into a
 * new malloc'd buffer *@out of *@out_size bytes, which the caller frees. Logs naming @name
 * and returns -ENOEXEC for corrupt or truncated data or output over ARM64_IMAGE_MAX_GUNZIP,
 * -ENOMEM if memory runs out. */
int __must_check arm64_image_gunzip(const uint8_t *data, size_t size, const char *name,
				    uint8_t **out, size_t *out_size);

/* True if @data is an EFI zboot image ("MZ", then "zimg" at offset 4): a PE file carrying
 * a compressed Image (CONFIG_EFI_ZBOOT, what some distributions ship as vmlinuz). */
bool arm64_image_is_zboot(const uint8_t *data, size_t size);

/* The compressed Image inside a zboot file: *@payload points into @data. Only gzip
 * payloads are supported (feed them to arm64_image_gunzip()); other compressions, and
 * payloads outside the file, are logged naming @name and refused with -ENOEXEC. */
int __must_check arm64_image_zboot_payload(const uint8_t *data, size_t size, const char *name,
					   const uint8_t **payload, size_t *payload_size);
