// SPDX-License-Identifier: MIT
/* test_bzimage.c: the bzImage setup-header parser on images built in memory: where the
 * kernel starts, the header length, every refusal with its message, and truncation and
 * mutation fuzzing on exactly sized buffers (the ASan build catches any overread). */
#include <errno.h>
#include <stdlib.h>

#include "bzimage_build.h"
#include "loader/bzimage.h"
#include "log_capture.h"
#include "test.h"

#define NAME	 "vmlinuz-test"
#define HDR_SIZE sizeof(struct setup_header)

/* Parses @cap bytes of the image @s; the log text goes to *msg (caller frees). */
static int parse_spec(const struct bz_spec *s, size_t cap, struct bzimage *bz, char **msg,
		      uint8_t **data)
{
	struct log_capture c;
	int err;

	*data = bz_build(s, cap);
	log_capture_begin(&c);
	err = bzimage_parse(*data, cap, NAME, bz);
	*msg = log_capture_end(&c);
	return err;
}

/* The image must be refused with -ENOEXEC and a message naming it and containing each of
 * the NULL-terminated @needles. */
static void expect_refused_(const char *file, int line, const struct bz_spec *s, size_t cap,
			    const char *const *needles)
{
	struct bzimage bz;
	uint8_t *data;
	char *msg;
	int err = parse_spec(s, cap, &bz, &msg, &data);

	if (err != -ENOEXEC)
		test_fail(file, line, "bzimage_parse returned %d, want -ENOEXEC", err);
	if (!strstr(msg, NAME))
		test_fail(file, line, "message '%s' does not name the file", msg);
	for (; *needles; needles++)
		if (!strstr(msg, *needles))
			test_fail(file, line, "message '%s' lacks '%s'", msg, *needles);
	free(msg);
	free(data);
}

#define EXPECT_REFUSED(s, cap, ...)                                                                \
	expect_refused_(__FILE__, __LINE__, s, cap, (const char *const[]){__VA_ARGS__, NULL})

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

TEST(bzimage_is_bzimage_checks_signature_and_size)
{
	struct bz_spec s = bz_default();
	size_t full = bz_file_size(&s);
	uint8_t *d = bz_build(&s, full);

	ASSERT_TRUE(bzimage_is_bzimage(d, full));
	free(d);
	/* Exactly enough bytes for the signature, and one fewer (exact buffers: no overread). */
	d = bz_build(&s, BZ_OFF_HEADER + 4);
	ASSERT_TRUE(bzimage_is_bzimage(d, BZ_OFF_HEADER + 4));
	free(d);
	d = bz_build(&s, BZ_OFF_HEADER + 3);
	ASSERT_TRUE(!bzimage_is_bzimage(d, BZ_OFF_HEADER + 3));
	free(d);
	ASSERT_TRUE(!bzimage_is_bzimage(NULL, 0));
	s.magic = "HdrT";
	d = bz_build(&s, full);
	ASSERT_TRUE(!bzimage_is_bzimage(d, full));
	free(d);
	s.magic = "hdrs";
	d = bz_build(&s, full);
	ASSERT_TRUE(!bzimage_is_bzimage(d, full));
	free(d);
}

TEST(bzimage_parse_valid_image)
{
	struct bz_spec s = bz_default();
	size_t full = bz_file_size(&s), setup = 4 * BZ_SECTOR;
	struct bzimage bz;
	uint8_t *d;
	char *msg;

	ASSERT_EQ(parse_spec(&s, full, &bz, &msg, &d), 0);
	ASSERT_EQ(msg[0], 0); /* nothing logged */
	ASSERT_TRUE(bz.kernel == d + setup);
	ASSERT_EQ(bz.kernel_size, full - setup);
	ASSERT_EQ(bz.kernel_size, s.kernel_len);
	ASSERT_EQ(bz.kernel[0], bz_kernel_byte(&s, 0));
	ASSERT_EQ(bz.kernel[bz.kernel_size - 1], bz_kernel_byte(&s, s.kernel_len - 1));
	ASSERT_EQ(bz.hdr_len, HDR_SIZE);
	/* The header fields, as written at their documented file offsets. */
	ASSERT_EQ(bz.hdr.setup_sects, 3);
	ASSERT_EQ(bz.hdr.syssize, s.kernel_len / 16);
	ASSERT_EQ(bz.hdr.boot_flag, 0xaa55);
	ASSERT_EQ(bz.hdr.jump, le16(d + BZ_OFF_JUMP));
	ASSERT_EQ(bz.hdr.header, 0x53726448); /* "HdrS" */
	ASSERT_EQ(bz.hdr.version, 0x020f);
	ASSERT_EQ(bz.hdr.loadflags, LOADED_HIGH);
	ASSERT_EQ(bz.hdr.code32_start, 0x100000);
	ASSERT_EQ(bz.hdr.initrd_addr_max, 0x7fffffff);
	ASSERT_EQ(bz.hdr.kernel_alignment, 0x200000);
	ASSERT_EQ(bz.hdr.relocatable_kernel, 1);
	ASSERT_EQ(bz.hdr.xloadflags, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G);
	ASSERT_EQ(bz.hdr.cmdline_size, 2047);
	ASSERT_EQ(bz.hdr.pref_address, 0x1000000);
	ASSERT_EQ(bz.hdr.init_size, 0x400000);
	ASSERT_TRUE(!memcmp(&bz.hdr, d + BZ_OFF_SETUP_SECTS, HDR_SIZE));
	free(msg);
	free(d);
}

TEST(bzimage_parse_kernel_offset_follows_setup_sects)
{
	static const struct {
		uint8_t sects;
		size_t offset;
	} cases[] = {
		{0, 5 * BZ_SECTOR}, /* 0 means 4 */
		{1, 2 * BZ_SECTOR},   {4, 5 * BZ_SECTOR},
		{27, 28 * BZ_SECTOR}, {255, 256 * BZ_SECTOR},
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct bz_spec s = bz_default();
		struct bzimage bz;
		uint8_t *d;
		char *msg;

		s.setup_sects = cases[i].sects;
		s.kernel_len = 1000;
		ASSERT_EQ(parse_spec(&s, bz_file_size(&s), &bz, &msg, &d), 0);
		ASSERT_EQ(bz.kernel - d, cases[i].offset);
		ASSERT_EQ(bz.kernel_size, 1000);
		ASSERT_EQ(bz.kernel[0], bz_kernel_byte(&s, 0));
		free(msg);
		free(d);
	}
}

TEST(bzimage_parse_header_length_from_jump)
{
	static const struct {
		uint8_t jump;
		size_t len;
	} cases[] = {
		{0x00, 0x11}, /* a jump to 0x202: only the fields before the signature */
		{0x26, 0x37}, /* a header ending at 0x228 (before cmd_line_ptr) */
		{0x3a, 0x4b}, /* ends at 0x23c, right after cmdline_size (protocol 2.06) */
		{BZ_FULL_JUMP, HDR_SIZE},     /* ends exactly at the 2.15 header end */
		{BZ_FULL_JUMP + 1, HDR_SIZE}, /* longer than smolvm knows: capped */
		{0xff, HDR_SIZE},
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct bz_spec s = bz_default();
		struct bzimage bz;
		uint8_t *d;
		char *msg;

		s.jump = cases[i].jump;
		ASSERT_EQ(parse_spec(&s, bz_file_size(&s), &bz, &msg, &d), 0);
		ASSERT_EQ(bz.hdr_len, cases[i].len);
		free(msg);
		free(d);
	}
}

TEST(bzimage_refuses_missing_signature)
{
	struct bz_spec s = bz_default();

	s.magic = "MZ\0\0";
	EXPECT_REFUSED(&s, bz_file_size(&s), "not a bzImage", "HdrS");
	/* Too short to even hold the signature. */
	s = bz_default();
	EXPECT_REFUSED(&s, BZ_OFF_HEADER + 3, "HdrS");
	EXPECT_REFUSED(&s, 0, "HdrS");
	EXPECT_REFUSED(&s, 16, "HdrS");
}

TEST(bzimage_refuses_file_shorter_than_header)
{
	/* The signature is there but the header it announces is cut off. */
	size_t sizes[] = {BZ_OFF_HEADER + 4, 0x220, BZ_OFF_SETUP_SECTS + HDR_SIZE - 1};
	struct bz_spec s = bz_default();

	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		char num[32];

		snprintf(num, sizeof(num), "%zu bytes", sizes[i]);
		EXPECT_REFUSED(&s, sizes[i], "truncated", num);
	}
}

TEST(bzimage_refuses_bad_boot_flag)
{
	struct bz_spec s = bz_default();

	s.boot_flag = 0x55aa; /* byte-swapped */
	EXPECT_REFUSED(&s, bz_file_size(&s), "boot flag", "0x55aa", "0xaa55");
	s.boot_flag = 0;
	EXPECT_REFUSED(&s, bz_file_size(&s), "boot flag 0x0000");
}

TEST(bzimage_protocol_version_boundary)
{
	struct bz_spec s = bz_default();
	struct bzimage bz;
	uint8_t *d;
	char *msg;

	s.version = 0x0205;
	EXPECT_REFUSED(&s, bz_file_size(&s), "2.05", "2.06");
	s.version = 0x0200;
	EXPECT_REFUSED(&s, bz_file_size(&s), "2.00", "2.06");
	s.version = 0x0106;
	EXPECT_REFUSED(&s, bz_file_size(&s), "1.06", "2.06");
	s.version = 0x0206;
	ASSERT_EQ(parse_spec(&s, bz_file_size(&s), &bz, &msg, &d), 0);
	ASSERT_EQ(bz.hdr.version, 0x0206);
	free(msg);
	free(d);
	s.version = 0x0300; /* a future major version still has the 2.x fields */
	ASSERT_EQ(parse_spec(&s, bz_file_size(&s), &bz, &msg, &d), 0);
	free(msg);
	free(d);
}

TEST(bzimage_refuses_zimage)
{
	struct bz_spec s = bz_default();

	s.loadflags = 0x80; /* CAN_USE_HEAP but not LOADED_HIGH */
	EXPECT_REFUSED(&s, bz_file_size(&s), "zImage", "1 MiB");
	s.loadflags = 0;
	EXPECT_REFUSED(&s, bz_file_size(&s), "zImage");
}

TEST(bzimage_refuses_32bit_kernel)
{
	struct bz_spec s = bz_default();
	struct bzimage bz;
	uint8_t *d;
	char *msg;

	s.xloadflags = 0;
	EXPECT_REFUSED(&s, bz_file_size(&s), "64-bit");
	/* Every other xloadflag but the 64-bit entry is not enough. */
	s.xloadflags = 0xfffe;
	EXPECT_REFUSED(&s, bz_file_size(&s), "64-bit");
	s.xloadflags = XLF_KERNEL_64;
	ASSERT_EQ(parse_spec(&s, bz_file_size(&s), &bz, &msg, &d), 0);
	free(msg);
	free(d);
}

TEST(bzimage_refuses_setup_past_end_of_file)
{
	struct bz_spec s = bz_default();
	struct bzimage bz;
	uint8_t *d;
	char *msg;

	s.setup_sects = 63; /* 32 KiB of setup code */
	s.kernel_len = 0;
	s.syssize = 0;
	EXPECT_REFUSED(&s, 8192, "truncated", "32768", "8192");
	/* Setup that exactly fills the file leaves no kernel at all. */
	EXPECT_REFUSED(&s, 64 * BZ_SECTOR, "truncated", "32768");
	/* One kernel byte is enough when syssize asks for none. */
	s.kernel_len = 1;
	ASSERT_EQ(parse_spec(&s, 64 * BZ_SECTOR + 1, &bz, &msg, &d), 0);
	ASSERT_EQ(bz.kernel - d, 64 * BZ_SECTOR);
	ASSERT_EQ(bz.kernel_size, 1);
	free(msg);
	free(d);
}

TEST(bzimage_refuses_kernel_shorter_than_syssize)
{
	struct bz_spec s = bz_default();
	struct bzimage bz;
	uint8_t *d;
	char *msg;

	s.kernel_len = 4096;
	s.syssize = 257; /* 4112 bytes */
	EXPECT_REFUSED(&s, bz_file_size(&s), "truncated", "4112", "4096");
	s.syssize = 0xffffffff; /* no overflow in syssize * 16 */
	EXPECT_REFUSED(&s, bz_file_size(&s), "truncated", "68719476720");
	/* Exactly syssize paragraphs, and more file than syssize (padding), are fine. */
	s.syssize = 256;
	ASSERT_EQ(parse_spec(&s, bz_file_size(&s), &bz, &msg, &d), 0);
	ASSERT_EQ(bz.kernel_size, 4096);
	free(msg);
	free(d);
	s.syssize = 100;
	ASSERT_EQ(parse_spec(&s, bz_file_size(&s), &bz, &msg, &d), 0);
	ASSERT_EQ(bz.kernel_size, 4096);
	free(msg);
	free(d);
}

/* Every prefix of a valid image parses or is refused, and parses exactly when it holds the
 * setup code and syssize paragraphs. The buffers are exact, so ASan flags any overread. */
TEST(bzimage_fuzz_every_truncation)
{
	static const uint8_t sects[] = {0, 2, 5};

	for (unsigned k = 0; k < ARRAY_SIZE(sects); k++) {
		struct bz_spec s = bz_default();
		size_t setup, full, need;

		s.setup_sects = sects[k];
		s.kernel_len = 1000; /* syssize 63 = 1008 bytes: the last 8 are missing */
		s.syssize = 62;
		setup = bz_setup_size(&s);
		full = bz_file_size(&s);
		need = setup + 62 * 16;
		for (size_t len = 0; len <= full; len++) {
			struct bzimage bz;
			uint8_t *d;
			char *msg;
			int err = parse_spec(&s, len, &bz, &msg, &d);

			if (err != 0 && err != -ENOEXEC)
				test_fail(__FILE__, __LINE__, "len %zu: returned %d", len, err);
			if ((err == 0) != (len >= need))
				test_fail(__FILE__, __LINE__, "len %zu: returned %d (setup %zu)",
					  len, err, setup);
			if (err == 0 && (bz.kernel != d + setup || bz.kernel_size != len - setup))
				test_fail(__FILE__, __LINE__, "len %zu: kernel at +%td, %zu bytes",
					  len, bz.kernel - d, bz.kernel_size);
			if (err && !msg[0])
				test_fail(__FILE__, __LINE__, "len %zu: refused without a message",
					  len);
			free(msg);
			free(d);
		}
	}
}

static uint64_t rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Random header corruption and lengths: the parser never fails differently, and what it
 * accepts satisfies everything its callers rely on. */
TEST(bzimage_fuzz_mutated_headers)
{
	struct bz_spec base = bz_default();
	size_t full;
	uint8_t *img;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned accepted = 0, refused = 0;
	struct log_capture c;

	base.setup_sects = 2;
	base.kernel_len = 2048;
	full = bz_file_size(&base);
	img = bz_build(&base, full);
	log_capture_begin(&c);
	for (unsigned iter = 0; iter < 20000 && img; iter++) {
		size_t len = iter % 4 ? full : (size_t)(rng_next(&x) % (full + 1));
		uint8_t *d = malloc(len ? len : 1);
		unsigned flips = 1 + (unsigned)(rng_next(&x) % 4);
		struct bzimage bz;
		int err;

		if (!d)
			break;
		memcpy(d, img, len);
		for (unsigned f = 0; f < flips && len; f++) {
			/* Mostly the setup header (and the jump byte), sometimes anywhere. */
			size_t at = rng_next(&x) % 8 ? BZ_OFF_SETUP_SECTS + rng_next(&x) % HDR_SIZE
						     : rng_next(&x) % len;

			if (at < len)
				d[at] = (uint8_t)rng_next(&x);
		}
		err = bzimage_parse(d, len, NAME, &bz);
		if (err == 0) {
			size_t setup =
				((size_t)(d[BZ_OFF_SETUP_SECTS] ? d[BZ_OFF_SETUP_SECTS] : 4) + 1) *
				BZ_SECTOR;
			size_t hl = 0x11 + (size_t)d[BZ_OFF_JUMP + 1];

			accepted++;
			ASSERT_TRUE(bzimage_is_bzimage(d, len));
			ASSERT_EQ(le16(d + BZ_OFF_BOOT_FLAG), 0xaa55);
			ASSERT_TRUE(le16(d + BZ_OFF_VERSION) >= 0x0206);
			ASSERT_TRUE(d[BZ_OFF_LOADFLAGS] & LOADED_HIGH);
			ASSERT_TRUE(d[BZ_OFF_XLOADFLAGS] & XLF_KERNEL_64);
			ASSERT_TRUE(bz.kernel == d + setup);
			ASSERT_EQ(bz.kernel_size, len - setup);
			ASSERT_TRUE(bz.kernel_size > 0);
			ASSERT_TRUE((uint64_t)bz.hdr.syssize * 16 <= bz.kernel_size);
			ASSERT_EQ(bz.hdr_len, hl < HDR_SIZE ? hl : HDR_SIZE);
			ASSERT_TRUE(!memcmp(&bz.hdr, d + BZ_OFF_SETUP_SECTS, HDR_SIZE));
		} else {
			refused++;
			ASSERT_EQ(err, -ENOEXEC);
		}
		free(d);
	}
	free(log_capture_end(&c));
	free(img);
	/* Both outcomes must actually be exercised for the checks above to mean anything. */
	ASSERT_TRUE(accepted > 1000);
	ASSERT_TRUE(refused > 1000);
}
