// SPDX-License-Identifier: MIT
/* arm64_image.c: defensive arm64 Image header parsing, gzip and EFI zboot unwrapping. */
#include "loader/arm64_image.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "log.h"

#define OFF_TEXT_OFFSET 8
#define OFF_IMAGE_SIZE	16
#define OFF_FLAGS	24
#define OFF_MAGIC	56

#define SZ_2M (2ull << 20)

/* EFI zboot header (drivers/firmware/efi/libstub/zboot-header.S). */
#define ZBOOT_OFF_TYPE	  4
#define ZBOOT_OFF_PAYLOAD 8
#define ZBOOT_OFF_SIZE	  12
#define ZBOOT_OFF_COMP	  24
#define ZBOOT_COMP_LEN	  32 /* the name is NUL-terminated before offset 56 */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint64_t round_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) & ~(align - 1);
}

bool arm64_image_is_image(const uint8_t *data, size_t size)
{
	return size >= ARM64_IMAGE_HDR_SIZE && le32(data + OFF_MAGIC) == ARM64_IMAGE_MAGIC;
}

/* The header of a kernel from before v3.17: only text_offset is there, in the kernel's
 * own byte order, and it is 0x80000 whatever it says. */
static int parse_old(size_t size, const char *name, uint64_t raw_text_offset,
		     struct arm64_image *out)
{
	if (raw_text_offset == __builtin_bswap64(ARM64_IMAGE_OLD_TEXT_OFF)) {
		pr_err("arm64 Image '%s' is a big-endian kernel; smolvm boots little-endian "
		       "kernels",
		       name);
		return -ENOEXEC;
	}
	if (size > ARM64_IMAGE_MAX_SIZE) {
		pr_err("arm64 Image '%s' is %zu bytes, more than the %llu MiB smolvm accepts", name,
		       size, ARM64_IMAGE_MAX_SIZE >> 20);
		return -ENOEXEC;
	}
	out->text_offset = ARM64_IMAGE_OLD_TEXT_OFF;
	/* The header does not say how much .bss follows the file: allow a generous 2 MiB
	 * more than the file, rounded up to 2 MiB. */
	out->image_size = round_up(size, SZ_2M) + SZ_2M;
	out->load_size = size;
	return 0;
}

int arm64_image_parse(const uint8_t *data, size_t size, const char *name, struct arm64_image *out)
{
	uint64_t text_offset, image_size, flags;

	memset(out, 0, sizeof(*out));
	if (size < ARM64_IMAGE_HDR_SIZE) {
		pr_err("kernel '%s' is too small for an arm64 Image: %zu bytes, the header alone "
		       "is %u",
		       name, size, ARM64_IMAGE_HDR_SIZE);
		return -ENOEXEC;
	}
	if (!arm64_image_is_image(data, size)) {
		if (arm64_image_is_gzip(data, size))
			pr_err("kernel '%s' is gzip-compressed; decompress it first", name);
		else if (arm64_image_is_zboot(data, size))
			pr_err("kernel '%s' is an EFI zboot image; extract its payload first",
			       name);
		else
			pr_err("kernel '%s' is not an arm64 Image (no \"ARM\\x64\" magic at offset "
			       "56)",
			       name);
		return -ENOEXEC;
	}
	text_offset = le64(data + OFF_TEXT_OFFSET);
	image_size = le64(data + OFF_IMAGE_SIZE);
	flags = le64(data + OFF_FLAGS);
	if (!image_size)
		return parse_old(size, name, text_offset, out);
	if (flags & ARM64_IMAGE_FLAG_BE) {
		pr_err("arm64 Image '%s' is a big-endian kernel; smolvm boots little-endian "
		       "kernels",
		       name);
		return -ENOEXEC;
	}
	/* An offset from a 2 MiB-aligned base: no kernel ever had one of 2 MiB or more, so
	 * such a value means a corrupt header. */
	if (text_offset >= SZ_2M) {
		pr_err("arm64 Image '%s' has a corrupt header: text_offset 0x%llx is not below "
		       "2 MiB",
		       name, (unsigned long long)text_offset);
		return -ENOEXEC;
	}
	if (image_size < ARM64_IMAGE_HDR_SIZE || image_size > ARM64_IMAGE_MAX_SIZE) {
		pr_err("arm64 Image '%s' has a corrupt header: image_size %llu is not between "
		       "%u bytes and %llu MiB",
		       name, (unsigned long long)image_size, ARM64_IMAGE_HDR_SIZE,
		       ARM64_IMAGE_MAX_SIZE >> 20);
		return -ENOEXEC;
	}
	out->text_offset = text_offset;
	out->image_size = image_size;
	out->flags = flags;
	/* A file longer than image_size carries something after the kernel (a signature,
	 * padding to a block size): the kernel never looks past image_size, so neither do
	 * we. A shorter one is the norm, the rest being .bss. */
	out->load_size = size > image_size ? (size_t)image_size : size;
	if (size > image_size)
		pr_info("arm64 Image '%s': ignoring %llu bytes past its image_size", name,
			(unsigned long long)(size - image_size));
	switch ((flags & ARM64_IMAGE_FLAG_PAGE) >> 1) {
	case 1:
		out->page_size = 4096;
		break;
	case 2:
		out->page_size = 16384;
		break;
	case 3:
		out->page_size = 65536;
		break;
	}
	return 0;
}

bool arm64_image_is_gzip(const uint8_t *data, size_t size)
{
	return size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

/* The buffer never grows past one byte more than the cap: output that fills that byte is
 * too big, and output of exactly the cap still leaves inflate() room to finish. */
#define GUNZIP_BUF_MAX (ARM64_IMAGE_MAX_GUNZIP + 1)

static int too_big(const char *name)
{
	pr_err("kernel '%s' decompresses to more than %llu MiB; refusing it", name,
	       ARM64_IMAGE_MAX_GUNZIP >> 20);
	return -ENOEXEC;
}

/* Room for more output: doubles the buffer, up to GUNZIP_BUF_MAX. */
static int grow(uint8_t **buf, size_t *cap, const char *name)
{
	size_t ncap = *cap * 2;
	uint8_t *n;

	if (*cap >= GUNZIP_BUF_MAX)
		return too_big(name);
	if (ncap > GUNZIP_BUF_MAX)
		ncap = GUNZIP_BUF_MAX;
	n = realloc(*buf, ncap);
	if (!n) {
		pr_err("out of memory decompressing kernel '%s'", name);
		return -ENOMEM;
	}
	*buf = n;
	*cap = ncap;
	return 0;
}

/* A first buffer size. The gzip trailer's ISIZE (the size modulo 4 GiB) is right for any
 * real kernel, but the file is untrusted: a hint beyond 32 times the input (kernels
 * compress about 4:1) is ignored for a guess that doubling corrects. One byte more lets
 * inflate() read the trailer without a doubling. */
static size_t initial_capacity(const uint8_t *data, size_t size)
{
	size_t hint = size >= 18 ? le32(data + size - 4) : 0;

	if (hint / 32 > size)
		hint = size * 4;
	hint++;
	if (hint < 4096)
		hint = 4096;
	if (hint > GUNZIP_BUF_MAX)
		hint = GUNZIP_BUF_MAX;
	return hint;
}

/* Inflates all of @data into *@buf (grown as needed); *@out_len bytes of output. */
static int inflate_all(z_stream *zs, const uint8_t *data, size_t size, const char *name,
		       uint8_t **buf, size_t *cap, size_t *out_len)
{
	size_t in_pos = 0, out_pos = 0;
	int ret;

	for (;;) {
		if (zs->avail_in == 0 && in_pos < size) {
			zs->next_in = (Bytef *)(uintptr_t)(data + in_pos);
			zs->avail_in = (uInt)MIN(size - in_pos, (size_t)UINT_MAX);
			in_pos += zs->avail_in;
		}
		if (out_pos == *cap) {
			ret = grow(buf, cap, name);
			if (ret)
				return ret;
		}
		zs->next_out = *buf + out_pos;
		zs->avail_out = (uInt)MIN(*cap - out_pos, (size_t)UINT_MAX);
		ret = inflate(zs, Z_NO_FLUSH);
		out_pos = (size_t)(zs->next_out - *buf);
		if (out_pos > ARM64_IMAGE_MAX_GUNZIP)
			return too_big(name);
		if (ret == Z_STREAM_END) {
			size_t rest = zs->avail_in + (size - in_pos);
			const uint8_t *next = data + size - rest;

			/* Another member follows (gzip allows concatenation): go on. */
			if (arm64_image_is_gzip(next, rest)) {
				if (inflateReset(zs) != Z_OK) {
					pr_err("cannot restart zlib on kernel '%s'", name);
					return -ENOEXEC;
				}
				continue;
			}
			if (rest)
				pr_warn("kernel '%s': ignoring %zu bytes after the gzip data", name,
					rest);
			*out_len = out_pos;
			return 0;
		}
		if (ret == Z_OK)
			continue;
		/* There is always output space (see above), so no progress means no input. */
		if (ret == Z_BUF_ERROR) {
			pr_err("kernel '%s' is a truncated gzip file (the data ends after %zu "
			       "bytes of output)",
			       name, out_pos);
			return -ENOEXEC;
		}
		if (ret == Z_MEM_ERROR) {
			pr_err("out of memory decompressing kernel '%s'", name);
			return -ENOMEM;
		}
		pr_err("kernel '%s' is a corrupt gzip file: %s", name,
		       zs->msg ? zs->msg : "invalid data");
		return -ENOEXEC;
	}
}

int arm64_image_gunzip(const uint8_t *data, size_t size, const char *name, uint8_t **out,
		       size_t *out_size)
{
	z_stream zs;
	size_t cap;
	uint8_t *buf;
	int err;

	*out = NULL;
	*out_size = 0;
	if (!arm64_image_is_gzip(data, size)) {
		pr_err("kernel '%s' is not a gzip file", name);
		return -ENOEXEC;
	}
	cap = initial_capacity(data, size);
	buf = malloc(cap);
	if (!buf) {
		pr_err("out of memory decompressing kernel '%s'", name);
		return -ENOMEM;
	}
	memset(&zs, 0, sizeof(zs));
	/* 16 + MAX_WBITS: a gzip header and trailer (CRC and size are checked). */
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
		pr_err("cannot set up zlib to decompress kernel '%s'", name);
		free(buf);
		return -ENOMEM;
	}
	err = inflate_all(&zs, data, size, name, &buf, &cap, out_size);
	inflateEnd(&zs);
	if (err) {
		free(buf);
		*out_size = 0;
		return err;
	}
	/* Give back the slack of the last doubling. */
	if (*out_size && *out_size < cap) {
		uint8_t *n = realloc(buf, *out_size);

		if (n)
			buf = n;
	}
	*out = buf;
	return 0;
}

bool arm64_image_is_zboot(const uint8_t *data, size_t size)
{
	return size >= ARM64_IMAGE_HDR_SIZE && !memcmp(data, "MZ", 2) &&
	       !memcmp(data + ZBOOT_OFF_TYPE, "zimg", 4);
}

int arm64_image_zboot_payload(const uint8_t *data, size_t size, const char *name,
			      const uint8_t **payload, size_t *payload_size)
{
	char comp[ZBOOT_COMP_LEN + 1];
	uint32_t off, len;

	*payload = NULL;
	*payload_size = 0;
	if (!arm64_image_is_zboot(data, size)) {
		pr_err("kernel '%s' is not an EFI zboot image", name);
		return -ENOEXEC;
	}
	off = le32(data + ZBOOT_OFF_PAYLOAD);
	len = le32(data + ZBOOT_OFF_SIZE);
	memcpy(comp, data + ZBOOT_OFF_COMP, ZBOOT_COMP_LEN);
	comp[ZBOOT_COMP_LEN] = '\0';
	/* It goes into a message: no control characters from an untrusted file. */
	for (char *c = comp; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			*c = '?';
	if (off > size || len > size - off || len == 0) {
		pr_err("EFI zboot image '%s' is corrupt or truncated: its payload (%u bytes at "
		       "offset %u) is not inside the %zu-byte file",
		       name, len, off, size);
		return -ENOEXEC;
	}
	if (strcmp(comp, "gzip") != 0) {
		pr_err("EFI zboot image '%s' holds a '%s'-compressed kernel; smolvm decompresses "
		       "gzip only (extract the Image first)",
		       name, comp);
		return -ENOEXEC;
	}
	*payload = data + off;
	*payload_size = len;
	return 0;
}
