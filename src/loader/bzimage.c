// SPDX-License-Identifier: MIT
/* bzimage.c: defensive bzImage setup-header parsing. */
#include "loader/bzimage.h"

#include <errno.h>
#include <string.h>

#include "log.h"

#define HDR_OFFSET    0x1f1
#define HDR_MAGIC_OFF 0x202
#define HDR_MAGIC     "HdrS"
#define BOOT_FLAG     0xaa55
#define SECTOR	      512

bool bzimage_is_bzimage(const uint8_t *data, size_t size)
{
	return size >= HDR_MAGIC_OFF + 4 && !memcmp(data + HDR_MAGIC_OFF, HDR_MAGIC, 4);
}

int bzimage_parse(const uint8_t *data, size_t size, const char *name, struct bzimage *out)
{
	struct setup_header *h = &out->hdr;
	size_t setup_size, hdr_end;

	memset(out, 0, sizeof(*out));
	if (!bzimage_is_bzimage(data, size)) {
		pr_err("kernel '%s' is not a bzImage (no HdrS signature)", name);
		return -ENOEXEC;
	}
	if (size < HDR_OFFSET + sizeof(*h)) {
		pr_err("bzImage '%s' is truncated: %zu bytes, shorter than its setup header", name,
		       size);
		return -ENOEXEC;
	}
	memcpy(h, data + HDR_OFFSET, sizeof(*h));
	if (h->boot_flag != BOOT_FLAG) {
		pr_err("bzImage '%s' has a corrupt setup header (boot flag 0x%04x, expected "
		       "0xaa55)",
		       name, h->boot_flag);
		return -ENOEXEC;
	}
	if (h->version < BZIMAGE_MIN_PROTOCOL) {
		pr_err("bzImage '%s' uses boot protocol %u.%02u; smolvm needs 2.06 or newer", name,
		       h->version >> 8, h->version & 0xff);
		return -ENOEXEC;
	}
	if (!(h->loadflags & LOADED_HIGH)) {
		pr_err("bzImage '%s' is a zImage that must load below 1 MiB; smolvm boots bzImages",
		       name);
		return -ENOEXEC;
	}
	/* xloadflags came with protocol 2.12; older x86_64 bzImages have the 64-bit entry but
	 * cannot say so. */
	if (h->version >= 0x020c && !(h->xloadflags & XLF_KERNEL_64)) {
		pr_err("bzImage '%s' has no 64-bit entry point (a 32-bit kernel?); smolvm boots "
		       "64-bit kernels",
		       name);
		return -ENOEXEC;
	}
	/* The header's own length: the jump at 0x200 skips to 0x202 + its offset byte. */
	hdr_end = HDR_MAGIC_OFF + data[0x201];
	out->hdr_len = MIN(hdr_end - HDR_OFFSET, sizeof(*h));
	setup_size = ((size_t)(h->setup_sects ? h->setup_sects : 4) + 1) * SECTOR;
	if (setup_size >= size) {
		pr_err("bzImage '%s' is truncated: its setup code needs %zu bytes, the file has "
		       "%zu",
		       name, setup_size, size);
		return -ENOEXEC;
	}
	out->kernel = data + setup_size;
	out->kernel_size = size - setup_size;
	/* syssize counts 16-byte paragraphs of the protected-mode kernel. */
	if ((uint64_t)h->syssize * 16 > out->kernel_size) {
		pr_err("bzImage '%s' is truncated: the kernel needs %llu bytes after the setup "
		       "code, "
		       "the file has %zu",
		       name, (unsigned long long)h->syssize * 16, out->kernel_size);
		return -ENOEXEC;
	}
	return 0;
}
