/* SPDX-License-Identifier: MIT */
/* bzimage_build.h: builds bzImage-like files in memory for the loader tests. Fields are
 * written at their documented file offsets (Documentation/arch/x86/boot.rst), not through
 * struct setup_header, so the tests also check smolvm's view of the layout. */
#pragma once

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* File offsets of the setup header fields (boot.rst, "The Real-Mode Kernel Header"). */
#define BZ_OFF_SETUP_SECTS  0x1f1
#define BZ_OFF_SYSSIZE	    0x1f4
#define BZ_OFF_VID_MODE	    0x1fa
#define BZ_OFF_BOOT_FLAG    0x1fe
#define BZ_OFF_JUMP	    0x200
#define BZ_OFF_HEADER	    0x202
#define BZ_OFF_VERSION	    0x206
#define BZ_OFF_TYPE_LOADER  0x210
#define BZ_OFF_LOADFLAGS    0x211
#define BZ_OFF_CODE32_START 0x214
#define BZ_OFF_RAMDISK_IMG  0x218
#define BZ_OFF_RAMDISK_SIZE 0x21c
#define BZ_OFF_CMD_LINE_PTR 0x228
#define BZ_OFF_INITRD_MAX   0x22c
#define BZ_OFF_KERNEL_ALIGN 0x230
#define BZ_OFF_RELOCATABLE  0x234
#define BZ_OFF_XLOADFLAGS   0x236
#define BZ_OFF_CMDLINE_SIZE 0x238
#define BZ_OFF_PREF_ADDRESS 0x258
#define BZ_OFF_INIT_SIZE    0x260
#define BZ_HDR_END	    0x26c /* end of the 2.15 header (kernel_info_offset) */
#define BZ_FULL_JUMP	    (BZ_HDR_END - BZ_OFF_HEADER) /* 0x6a, as current kernels have */
#define BZ_SECTOR	    512

struct bz_spec {
	uint8_t setup_sects; /* 0 means 4 */
	int64_t syssize;     /* 16-byte paragraphs; -1: all of kernel_len (rounded down) */
	uint16_t version;
	uint8_t loadflags;
	uint16_t xloadflags;
	uint16_t boot_flag;
	uint8_t jump; /* the byte at 0x201 */
	const char *magic;
	uint32_t code32_start, kernel_alignment, init_size, cmdline_size, initrd_addr_max;
	uint8_t relocatable;
	uint64_t pref_address;
	size_t kernel_len; /* protected-mode kernel bytes after the setup sectors */
	uint8_t seed;	   /* kernel byte i is seed + i * 3 */
};

/* A modern, relocatable, 64-bit kernel as the tests expect to accept it. */
static inline struct bz_spec bz_default(void)
{
	return (struct bz_spec){
		.setup_sects = 3,
		.syssize = -1,
		.version = 0x020f,
		.loadflags = 0x01,  /* LOADED_HIGH */
		.xloadflags = 0x03, /* XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G */
		.boot_flag = 0xaa55,
		.jump = BZ_FULL_JUMP,
		.magic = "HdrS",
		.code32_start = 0x100000,
		.kernel_alignment = 0x200000,
		.init_size = 0x400000,
		.cmdline_size = 2047,
		.initrd_addr_max = 0x7fffffff,
		.relocatable = 1,
		.pref_address = 0x1000000,
		.kernel_len = 4096,
		.seed = 0x11,
	};
}

static inline size_t bz_setup_size(const struct bz_spec *s)
{
	return ((size_t)(s->setup_sects ? s->setup_sects : 4) + 1) * BZ_SECTOR;
}

static inline size_t bz_file_size(const struct bz_spec *s)
{
	return bz_setup_size(s) + s->kernel_len;
}

static inline uint8_t bz_kernel_byte(const struct bz_spec *s, size_t i)
{
	return (uint8_t)(s->seed + i * 3);
}

static inline void bz_put(uint8_t *buf, size_t cap, size_t off, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (off + i < cap)
			buf[off + i] = (uint8_t)(v >> (8 * i));
}

/* Writes the image described by @s into @buf, truncated to @cap bytes. */
static inline void bz_fill(const struct bz_spec *s, uint8_t *buf, size_t cap)
{
	size_t setup = bz_setup_size(s);
	uint32_t syssize = s->syssize < 0 ? (uint32_t)(s->kernel_len / 16) : (uint32_t)s->syssize;

	memset(buf, 0, cap);
	/* Real-mode setup bytes: a recognizable filler, then the header over it. */
	for (size_t i = 0; i < setup && i < cap; i++)
		buf[i] = (uint8_t)(0xc0 ^ i);
	for (size_t i = BZ_OFF_SETUP_SECTS; i < BZ_HDR_END && i < cap; i++)
		buf[i] = 0;
	bz_put(buf, cap, BZ_OFF_SETUP_SECTS, s->setup_sects, 1);
	bz_put(buf, cap, BZ_OFF_SYSSIZE, syssize, 4);
	bz_put(buf, cap, BZ_OFF_VID_MODE, 0xffff, 2);
	bz_put(buf, cap, BZ_OFF_BOOT_FLAG, s->boot_flag, 2);
	bz_put(buf, cap, BZ_OFF_JUMP, 0xeb, 1);
	bz_put(buf, cap, BZ_OFF_JUMP + 1, s->jump, 1);
	for (unsigned i = 0; i < 4; i++)
		bz_put(buf, cap, BZ_OFF_HEADER + i, (uint8_t)s->magic[i], 1);
	bz_put(buf, cap, BZ_OFF_VERSION, s->version, 2);
	bz_put(buf, cap, BZ_OFF_LOADFLAGS, s->loadflags, 1);
	bz_put(buf, cap, BZ_OFF_CODE32_START, s->code32_start, 4);
	bz_put(buf, cap, BZ_OFF_INITRD_MAX, s->initrd_addr_max, 4);
	bz_put(buf, cap, BZ_OFF_KERNEL_ALIGN, s->kernel_alignment, 4);
	bz_put(buf, cap, BZ_OFF_RELOCATABLE, s->relocatable, 1);
	bz_put(buf, cap, BZ_OFF_XLOADFLAGS, s->xloadflags, 2);
	bz_put(buf, cap, BZ_OFF_CMDLINE_SIZE, s->cmdline_size, 4);
	bz_put(buf, cap, BZ_OFF_PREF_ADDRESS, s->pref_address, 8);
	bz_put(buf, cap, BZ_OFF_INIT_SIZE, s->init_size, 4);
	for (size_t i = 0; i < s->kernel_len && setup + i < cap; i++)
		buf[setup + i] = bz_kernel_byte(s, i);
}

/* An exactly sized heap copy (so ASan sees any read past the end); @cap may be less than
 * the image (truncated file). With @cap 0 the result may be NULL (nothing to read). */
static inline uint8_t *bz_build(const struct bz_spec *s, size_t cap)
{
	uint8_t *buf = malloc(cap);

	if (buf && cap)
		bz_fill(s, buf, cap);
	return buf;
}
