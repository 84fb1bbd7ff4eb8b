// SPDX-License-Identifier: MIT
/* test_arm64_image.c: the arm64 Image header parser, gzip and EFI zboot unwrapping on
 * images built in memory: every refusal with its message, truncation at every length and
 * random mutations on exactly sized buffers (the ASan build catches any overread), gzip
 * round trips made with zlib here. */
#include <errno.h>
#include <stdlib.h>
#include <zlib.h>

#include "loader/arm64_image.h"
#include "log_capture.h"
#include "test.h"

#define NAME  "Image-test"
#define SZ_2M (2ull << 20)

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t body_byte(size_t i)
{
	return (uint8_t)(i * 7 + (i >> 8));
}

/* An Image of exactly @size bytes (at least 64): header fields as given, then a body. */
static uint8_t *build(size_t size, uint64_t text_offset, uint64_t image_size, uint64_t flags)
{
	uint8_t *d = malloc(size ? size : 1);

	if (!d)
		abort();
	for (size_t i = 0; i < size; i++)
		d[i] = body_byte(i);
	if (size < ARM64_IMAGE_HDR_SIZE)
		return d;
	memcpy(d, "MZ@\xfa", 4); /* code0: the EFI-stub "MZ" that is also an instruction */
	put_le32(d + 4, 0x14000000);
	put_le64(d + 8, text_offset);
	put_le64(d + 16, image_size);
	put_le64(d + 24, flags);
	put_le64(d + 32, 0);
	put_le64(d + 40, 0);
	put_le64(d + 48, 0);
	put_le32(d + 56, ARM64_IMAGE_MAGIC);
	put_le32(d + 60, 0x40); /* PE header offset */
	return d;
}

/* Parses with the log captured into *msg (caller frees). */
static int parse(const uint8_t *d, size_t size, struct arm64_image *img, char **msg)
{
	struct log_capture c;
	int err;

	log_capture_begin(&c);
	err = arm64_image_parse(d, size, NAME, img);
	*msg = log_capture_end(&c);
	return err;
}

/* @d (@size bytes, freed here) must be refused with -ENOEXEC and one message naming the
 * file and containing @needle. */
static void expect_refused_(const char *file, int line, uint8_t *d, size_t size, const char *needle)
{
	struct arm64_image img;
	char *msg;
	int err = parse(d, size, &img, &msg);

	if (err != -ENOEXEC)
		test_fail(file, line, "arm64_image_parse returned %d, want -ENOEXEC", err);
	if (!strstr(msg, NAME))
		test_fail(file, line, "message '%s' does not name the file", msg);
	if (!strstr(msg, needle))
		test_fail(file, line, "message '%s' lacks '%s'", msg, needle);
	if (strchr(msg, '\n') != strrchr(msg, '\n'))
		test_fail(file, line, "more than one message: '%s'", msg);
	free(msg);
	free(d);
}

#define EXPECT_REFUSED(d, size, needle) expect_refused_(__FILE__, __LINE__, d, size, needle)

TEST(arm64_image_is_image)
{
	uint8_t *d = build(64, 0, 0x10000, 0xa);

	ASSERT_TRUE(arm64_image_is_image(d, 64));
	ASSERT_TRUE(!arm64_image_is_image(d, 63));
	ASSERT_TRUE(!arm64_image_is_image(NULL, 0));
	d[59] = 0x65;
	ASSERT_TRUE(!arm64_image_is_image(d, 64));
	d[59] = 0x64;
	d[56] = 'a';
	ASSERT_TRUE(!arm64_image_is_image(d, 64));
	free(d);
}

/* A current kernel, as Debian's cloud-arm64 6.1 package has it. */
TEST(arm64_image_parse_modern_kernel)
{
	size_t size = 300000;
	uint8_t *d = build(size, 0, 0x1ab0000, 0xa);
	struct arm64_image img;
	char *msg;

	ASSERT_EQ(parse(d, size, &img, &msg), 0);
	ASSERT_EQ(msg[0], 0);
	ASSERT_EQ(img.text_offset, 0);
	ASSERT_EQ(img.image_size, 0x1ab0000);
	ASSERT_EQ(img.flags, 0xa);
	ASSERT_EQ(img.load_size, size);
	ASSERT_EQ(img.page_size, 4096);
	free(msg);
	free(d);
}

TEST(arm64_image_parse_text_offset_and_page_sizes)
{
	static const struct {
		uint64_t text_offset, flags;
		unsigned page_size;
	} cases[] = {
		{0x80000, 0x0, 0}, {0x80000, 0x2, 4096},   {0x0, 0x4, 16384},
		{0x0, 0x6, 65536}, {0x1ff000, 0xe, 65536}, /* randomized TEXT_OFFSET, anywhere */
		{0x7000, 0x8, 0},
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t *d = build(4096, cases[i].text_offset, 0x200000, cases[i].flags);
		struct arm64_image img;
		char *msg;

		ASSERT_EQ(parse(d, 4096, &img, &msg), 0);
		ASSERT_EQ(img.text_offset, cases[i].text_offset);
		ASSERT_EQ(img.flags, cases[i].flags);
		ASSERT_EQ(img.page_size, cases[i].page_size);
		ASSERT_EQ(img.image_size, 0x200000);
		ASSERT_EQ(img.load_size, 4096);
		free(msg);
		free(d);
	}
}

/* Reserved flag bits and fields are the future's: not a reason to refuse. */
TEST(arm64_image_parse_ignores_reserved_bits)
{
	uint8_t *d = build(1024, 0, 0x100000, 0xfffffffffffffff2ull);
	struct arm64_image img;
	char *msg;

	memset(d + 32, 0xff, 24);
	ASSERT_EQ(parse(d, 1024, &img, &msg), 0);
	ASSERT_EQ(img.flags, 0xfffffffffffffff2ull);
	ASSERT_EQ(img.page_size, 4096);
	free(msg);
	free(d);
}

/* Before v3.17 image_size is 0, text_offset is 0x80000 in the kernel's byte order and the
 * flags field does not exist yet. */
TEST(arm64_image_parse_old_kernel)
{
	static const size_t sizes[] = {64, 4096, SZ_2M - 1, SZ_2M, SZ_2M + 1, 5000000};

	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint8_t *d = build(sizes[i], 0x80000, 0, 0x1);
		struct arm64_image img;
		char *msg;
		uint64_t want = (sizes[i] + SZ_2M - 1) / SZ_2M * SZ_2M + SZ_2M;

		ASSERT_EQ(parse(d, sizes[i], &img, &msg), 0);
		ASSERT_EQ(msg[0], 0);
		ASSERT_EQ(img.text_offset, 0x80000);
		ASSERT_EQ(img.image_size, want);
		ASSERT_TRUE(img.image_size >= sizes[i] + SZ_2M);
		ASSERT_EQ(img.load_size, sizes[i]);
		ASSERT_EQ(img.flags, 0); /* garbage in the not-yet-flags field is ignored */
		ASSERT_EQ(img.page_size, 0);
		free(msg);
		free(d);
	}
	/* Whatever an old header says, the offset is 0x80000. */
	{
		uint8_t *d = build(4096, 0x12345, 0, 0);
		struct arm64_image img;
		char *msg;

		ASSERT_EQ(parse(d, 4096, &img, &msg), 0);
		ASSERT_EQ(img.text_offset, 0x80000);
		free(msg);
		free(d);
	}
}

/* Trailing bytes past image_size (an appended signature) are not loaded. */
TEST(arm64_image_parse_file_longer_than_image_size)
{
	uint8_t *d = build(10000, 0, 8192, 0xa);
	enum log_level saved = log_get_level();
	struct arm64_image img;
	char *msg;

	log_set_level(LOG_INFO); /* the note is informational */
	ASSERT_EQ(parse(d, 10000, &img, &msg), 0);
	ASSERT_EQ(img.image_size, 8192);
	ASSERT_EQ(img.load_size, 8192);
	ASSERT_STR_CONTAINS(msg, "ignoring 1808 bytes");
	free(msg);
	free(d);
	/* Exactly image_size: nothing to say. */
	d = build(8192, 0, 8192, 0xa);
	ASSERT_EQ(parse(d, 8192, &img, &msg), 0);
	ASSERT_EQ(img.load_size, 8192);
	ASSERT_EQ(msg[0], 0);
	free(msg);
	free(d);
	log_set_level(saved);
}

TEST(arm64_image_parse_refusals)
{
	EXPECT_REFUSED(build(0, 0, 0, 0), 0, "too small");
	EXPECT_REFUSED(build(63, 0, 0, 0), 63, "too small");
	{
		uint8_t *d = build(4096, 0, 0x10000, 0);

		d[57] = 'X';
		EXPECT_REFUSED(d, 4096, "not an arm64 Image");
	}
	{
		uint8_t *d = build(4096, 0, 0x10000, 0);

		d[0] = 0x1f;
		d[1] = 0x8b;
		d[56] = 0;
		EXPECT_REFUSED(d, 4096, "gzip");
	}
	{
		uint8_t *d = build(4096, 0, 0x10000, 0);

		memcpy(d + 4, "zimg", 4);
		d[56] = 0;
		EXPECT_REFUSED(d, 4096, "zboot");
	}
	EXPECT_REFUSED(build(4096, 0, 0x10000, ARM64_IMAGE_FLAG_BE), 4096, "big-endian");
	EXPECT_REFUSED(build(4096, 0, 0x10000, 0xb), 4096, "big-endian");
	/* An old big-endian kernel: its 0x80000 text_offset reads byte-swapped. */
	EXPECT_REFUSED(build(4096, 0x0000080000000000ull, 0, 0), 4096, "big-endian");
	EXPECT_REFUSED(build(4096, SZ_2M, 0x10000, 0), 4096, "text_offset 0x200000");
	EXPECT_REFUSED(build(4096, ~0ull, 0x10000, 0), 4096, "text_offset");
	EXPECT_REFUSED(build(4096, 0, 63, 0), 4096, "image_size 63");
	EXPECT_REFUSED(build(4096, 0, (1ull << 30) + 1, 0), 4096, "image_size");
	EXPECT_REFUSED(build(4096, 0, ~0ull, 0), 4096, "image_size");
}

TEST(arm64_image_parse_limits_accepted)
{
	static const struct {
		uint64_t text_offset, image_size;
	} cases[] = {{SZ_2M - 1, 64}, {0, 1ull << 30}};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t *d = build(64, cases[i].text_offset, cases[i].image_size, 0);
		struct arm64_image img;
		char *msg;

		ASSERT_EQ(parse(d, 64, &img, &msg), 0);
		ASSERT_EQ(img.text_offset, cases[i].text_offset);
		ASSERT_EQ(img.image_size, cases[i].image_size);
		ASSERT_EQ(img.load_size, 64);
		free(msg);
		free(d);
	}
}

/* Every prefix of a valid image, each in a buffer of exactly that size. */
TEST(arm64_image_parse_every_truncation)
{
	const size_t full = 4096;
	uint8_t *src = build(full, 0, 3000, 0xa);

	for (size_t cap = 0; cap <= full; cap++) {
		uint8_t *d = malloc(cap ? cap : 1);
		struct arm64_image img;
		char *msg;
		int err;

		memcpy(d, src, cap);
		err = parse(d, cap, &img, &msg);
		if (cap < ARM64_IMAGE_HDR_SIZE) {
			if (err != -ENOEXEC || !strstr(msg, "too small"))
				test_fail(__FILE__, __LINE__, "cap %zu: %d '%s'", cap, err, msg);
		} else if (err || img.load_size != MIN(cap, 3000) || img.image_size != 3000) {
			test_fail(__FILE__, __LINE__, "cap %zu: %d, load_size %zu", cap, err,
				  img.load_size);
		}
		free(msg);
		free(d);
	}
	free(src);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Random header corruption and sizes: never a crash, and whatever is accepted is sane. */
TEST(arm64_image_parse_random_mutations)
{
	const size_t full = 512;
	uint8_t *src = build(full, 0x80000, 0x100000, 0xa);
	unsigned accepted = 0;

	for (unsigned iter = 0; iter < 20000; iter++) {
		size_t cap = next_rand() % (full + 1);
		uint8_t *d = malloc(cap ? cap : 1);
		unsigned flips = 1 + next_rand() % 6;
		struct arm64_image img;
		char *msg;

		memcpy(d, src, cap);
		for (unsigned f = 0; cap && f < flips; f++) {
			/* Mostly the header, where the parser looks. */
			size_t at = next_rand() % (cap < 64 || next_rand() % 4 == 0 ? cap : 64);

			d[at] = (uint8_t)next_rand();
		}
		if (parse(d, cap, &img, &msg) == 0) {
			accepted++;
			ASSERT_TRUE(arm64_image_is_image(d, cap));
			ASSERT_TRUE(img.text_offset < SZ_2M);
			ASSERT_TRUE(img.load_size <= cap);
			ASSERT_TRUE(img.image_size >= img.load_size);
			ASSERT_TRUE(img.image_size <= (1ull << 30) + 2 * SZ_2M);
			ASSERT_TRUE(!(img.flags & ARM64_IMAGE_FLAG_BE));
		}
		free(msg);
		free(d);
	}
	ASSERT_TRUE(accepted > 0);
	free(src);
}

/* gzip-compresses @len bytes with zlib (as `gzip` would); caller frees. */
static uint8_t *gzip_buf(const uint8_t *data, size_t len, size_t *out_len)
{
	z_stream zs;
	size_t cap = len + len / 100 + 1024;
	uint8_t *out = malloc(cap);

	memset(&zs, 0, sizeof(zs));
	if (!out || deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY))
		abort();
	zs.next_in = (Bytef *)(uintptr_t)data;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		abort();
	*out_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

static int gunzip(const uint8_t *d, size_t size, uint8_t **out, size_t *out_size, char **msg)
{
	struct log_capture c;
	int err;

	log_capture_begin(&c);
	err = arm64_image_gunzip(d, size, NAME, out, out_size);
	*msg = log_capture_end(&c);
	return err;
}

TEST(arm64_image_is_gzip)
{
	ASSERT_TRUE(arm64_image_is_gzip((const uint8_t *)"\x1f\x8b", 2));
	ASSERT_TRUE(!arm64_image_is_gzip((const uint8_t *)"\x1f\x8b", 1));
	ASSERT_TRUE(!arm64_image_is_gzip((const uint8_t *)"\x1f\x8c", 2));
	ASSERT_TRUE(!arm64_image_is_gzip(NULL, 0));
}

/* Image.gz: compressed here, decompressed and parsed back. */
TEST(arm64_image_gunzip_round_trip)
{
	static const size_t sizes[] = {0, 1, 64, 4095, 4096, 4097, 100000, 3000000};

	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i], gz_len, out_len = 12345;
		uint8_t *img = build(n, 0, 0x400000, 0xa), *gz, *out = NULL;
		char *msg;

		gz = gzip_buf(img, n, &gz_len);
		ASSERT_EQ(gunzip(gz, gz_len, &out, &out_len, &msg), 0);
		ASSERT_EQ(msg[0], 0);
		ASSERT_EQ(out_len, n);
		ASSERT_TRUE(out != NULL);
		if (out && out_len == n)
			ASSERT_TRUE(!memcmp(out, img, n));
		if (n >= ARM64_IMAGE_HDR_SIZE) {
			struct arm64_image a;
			char *pmsg;

			ASSERT_EQ(parse(out, out_len, &a, &pmsg), 0);
			ASSERT_EQ(a.image_size, 0x400000);
			free(pmsg);
		}
		free(msg);
		free(out);
		free(gz);
		free(img);
	}
}

/* Members concatenated (`cat a.gz b.gz`) are one stream; the last member's size trailer
 * is then a poor hint for the whole, so the buffer has to grow. */
TEST(arm64_image_gunzip_members_and_trailing_bytes)
{
	size_t n1 = 200000, n2 = 10, l1, l2, out_len;
	uint8_t *a = build(n1, 0, 0x400000, 0xa), *b = build(n2, 0, 0, 0);
	uint8_t *g1 = gzip_buf(a, n1, &l1), *g2 = gzip_buf(b, n2, &l2);
	uint8_t *cat = malloc(l1 + l2 + 16), *out;
	char *msg;

	memcpy(cat, g1, l1);
	memcpy(cat + l1, g2, l2);
	ASSERT_EQ(gunzip(cat, l1 + l2, &out, &out_len, &msg), 0);
	ASSERT_EQ(out_len, n1 + n2);
	if (out_len == n1 + n2) {
		ASSERT_TRUE(!memcmp(out, a, n1));
		ASSERT_TRUE(!memcmp(out + n1, b, n2));
	}
	free(out);
	free(msg);
	/* Zero padding after the data (a block-aligned copy) is ignored with a warning. */
	memset(cat + l1, 0, 16);
	ASSERT_EQ(gunzip(cat, l1 + 16, &out, &out_len, &msg), 0);
	ASSERT_EQ(out_len, n1);
	ASSERT_STR_CONTAINS(msg, "ignoring 16 bytes");
	free(out);
	free(msg);
	free(cat);
	free(g1);
	free(g2);
	free(a);
	free(b);
}

TEST(arm64_image_gunzip_refuses_non_gzip)
{
	uint8_t *img = build(4096, 0, 0x10000, 0), *out = (uint8_t *)1;
	size_t out_len = 1;
	char *msg;

	ASSERT_EQ(gunzip(img, 4096, &out, &out_len, &msg), -ENOEXEC);
	ASSERT_STR_CONTAINS(msg, NAME);
	ASSERT_STR_CONTAINS(msg, "not a gzip file");
	ASSERT_TRUE(out == NULL);
	ASSERT_EQ(out_len, 0);
	free(msg);
	ASSERT_EQ(gunzip(img, 0, &out, &out_len, &msg), -ENOEXEC);
	free(msg);
	free(img);
}

TEST(arm64_image_gunzip_corrupt)
{
	size_t n = 50000, gz_len, out_len;
	uint8_t *img = build(n, 0, 0x400000, 0xa), *gz = gzip_buf(img, n, &gz_len), *out;
	char *msg;

	/* A wrong CRC in the trailer. */
	gz[gz_len - 8] ^= 0x01;
	ASSERT_EQ(gunzip(gz, gz_len, &out, &out_len, &msg), -ENOEXEC);
	ASSERT_STR_CONTAINS(msg, NAME);
	ASSERT_STR_CONTAINS(msg, "corrupt gzip");
	ASSERT_TRUE(out == NULL);
	free(msg);
	gz[gz_len - 8] ^= 0x01;
	/* A wrong length in the trailer. */
	gz[gz_len - 4] ^= 0x01;
	ASSERT_EQ(gunzip(gz, gz_len, &out, &out_len, &msg), -ENOEXEC);
	ASSERT_STR_CONTAINS(msg, "corrupt gzip");
	free(msg);
	gz[gz_len - 4] ^= 0x01;
	/* An unknown compression method in the header. */
	gz[2] = 7;
	ASSERT_EQ(gunzip(gz, gz_len, &out, &out_len, &msg), -ENOEXEC);
	ASSERT_STR_CONTAINS(msg, "corrupt gzip");
	free(msg);
	gz[2] = 8;
	/* Every single-byte flip in the body is caught one way or another. */
	for (size_t at = 10; at < gz_len - 8; at += 97) {
		gz[at] ^= 0x5a;
		ASSERT_EQ(gunzip(gz, gz_len, &out, &out_len, &msg), -ENOEXEC);
		ASSERT_STR_CONTAINS(msg, NAME);
		free(msg);
		gz[at] ^= 0x5a;
	}
	ASSERT_EQ(gunzip(gz, gz_len, &out, &out_len, &msg), 0);
	free(out);
	free(msg);
	free(gz);
	free(img);
}

/* Every prefix of a gzip file, in a buffer of exactly that size. */
TEST(arm64_image_gunzip_every_truncation)
{
	size_t n = 3000, gz_len;
	uint8_t *img = build(n, 0, 0x400000, 0xa), *gz = gzip_buf(img, n, &gz_len);

	for (size_t cap = 0; cap < gz_len; cap++) {
		uint8_t *d = malloc(cap ? cap : 1), *out = NULL;
		size_t out_len = 0;
		char *msg;
		int err;

		memcpy(d, gz, cap);
		err = gunzip(d, cap, &out, &out_len, &msg);
		if (err != -ENOEXEC || out || !strstr(msg, NAME) ||
		    !strstr(msg, cap < 2 ? "not a gzip" : "truncated"))
			test_fail(__FILE__, __LINE__, "cap %zu of %zu: %d '%s'", cap, gz_len, err,
				  msg);
		free(msg);
		free(d);
	}
	free(gz);
	free(img);
}

/* Random corruption of a gzip file: never a crash, never output without an error. */
TEST(arm64_image_gunzip_random_mutations)
{
	size_t n = 20000, gz_len;
	uint8_t *img = build(n, 0, 0x400000, 0xa), *gz = gzip_buf(img, n, &gz_len);

	for (unsigned iter = 0; iter < 2000; iter++) {
		size_t cap = gz_len - next_rand() % 16;
		uint8_t *d = malloc(cap), *out = NULL;
		size_t out_len = 0;
		char *msg;
		int err;

		memcpy(d, gz, cap);
		for (unsigned f = 0, flips = 1 + next_rand() % 4; f < flips; f++)
			d[next_rand() % cap] ^= (uint8_t)(1 + next_rand() % 255);
		err = gunzip(d, cap, &out, &out_len, &msg);
		if (err)
			ASSERT_TRUE(out == NULL && out_len == 0);
		else
			ASSERT_TRUE(out != NULL);
		free(out);
		free(msg);
		free(d);
	}
	free(gz);
	free(img);
}

/* A stream that inflates past ARM64_IMAGE_MAX_GUNZIP is cut off, not swallowed. Made of
 * one gzip member of 1 MiB of zeros repeated (concatenated members are one stream), which
 * is cheap to make even under qemu-user. */
TEST(arm64_image_gunzip_size_cap)
{
	static uint8_t zeros[1 << 20];
	const unsigned copies = (ARM64_IMAGE_MAX_GUNZIP >> 20) + 1;
	size_t member_len, out_len;
	uint8_t *member = gzip_buf(zeros, sizeof(zeros), &member_len), *bomb, *out;
	char *msg;

	bomb = malloc(member_len * copies);
	for (unsigned i = 0; i < copies; i++)
		memcpy(bomb + i * member_len, member, member_len);
	ASSERT_EQ(gunzip(bomb, member_len * copies, &out, &out_len, &msg), -ENOEXEC);
	ASSERT_STR_CONTAINS(msg, NAME);
	ASSERT_STR_CONTAINS(msg, "more than 256 MiB");
	ASSERT_TRUE(out == NULL);
	free(msg);
	/* One member fewer is exactly the cap, and accepted. */
	ASSERT_EQ(gunzip(bomb, member_len * (copies - 1), &out, &out_len, &msg), 0);
	ASSERT_EQ(out_len, ARM64_IMAGE_MAX_GUNZIP);
	free(out);
	free(msg);
	free(bomb);
	free(member);
}

/* An EFI zboot file: "MZ", "zimg", payload offset and size, compression name. */
static uint8_t *build_zboot(const uint8_t *payload, size_t len, const char *comp, size_t *size)
{
	size_t off = 512;
	uint8_t *d = calloc(1, off + len);

	if (!d)
		abort();
	memcpy(d, "MZ\0\0zimg", 8);
	put_le32(d + 8, (uint32_t)off);
	put_le32(d + 12, (uint32_t)len);
	memcpy(d + 24, comp, MIN(strlen(comp), 31));
	put_le32(d + 56, 0x818223cd); /* LINUX_PE_MAGIC */
	put_le32(d + 60, 0x40);
	memcpy(d + off, payload, len);
	*size = off + len;
	return d;
}

static int zboot(const uint8_t *d, size_t size, const uint8_t **p, size_t *len, char **msg)
{
	struct log_capture c;
	int err;

	log_capture_begin(&c);
	err = arm64_image_zboot_payload(d, size, NAME, p, len);
	*msg = log_capture_end(&c);
	return err;
}

TEST(arm64_image_zboot_gzip_payload)
{
	size_t n = 70000, gz_len, size, len, out_len;
	uint8_t *img = build(n, 0, 0x400000, 0xa), *gz = gzip_buf(img, n, &gz_len), *out;
	uint8_t *z = build_zboot(gz, gz_len, "gzip", &size);
	const uint8_t *p;
	struct arm64_image a;
	char *msg;

	ASSERT_TRUE(arm64_image_is_zboot(z, size));
	ASSERT_TRUE(!arm64_image_is_image(z, size));
	ASSERT_EQ(zboot(z, size, &p, &len, &msg), 0);
	ASSERT_TRUE(p == z + 512);
	ASSERT_EQ(len, gz_len);
	free(msg);
	ASSERT_EQ(gunzip(p, len, &out, &out_len, &msg), 0);
	free(msg);
	ASSERT_EQ(out_len, n);
	ASSERT_EQ(parse(out, out_len, &a, &msg), 0);
	ASSERT_EQ(a.image_size, 0x400000);
	free(msg);
	free(out);
	free(z);
	free(gz);
	free(img);
}

TEST(arm64_image_zboot_refusals)
{
	uint8_t payload[100] = {0x1f, 0x8b};
	size_t size, len;
	const uint8_t *p;
	uint8_t *z;
	char *msg;

	z = build_zboot(payload, sizeof(payload), "zstd22", &size);
	ASSERT_EQ(zboot(z, size, &p, &len, &msg), -ENOEXEC);
	ASSERT_STR_CONTAINS(msg, NAME);
	ASSERT_STR_CONTAINS(msg, "'zstd22'-compressed");
	ASSERT_TRUE(p == NULL);
	free(msg);
	/* Control characters in the name do not reach the terminal. */
	memcpy(z + 24, "\033[2J\x80", 6);
	ASSERT_EQ(zboot(z, size, &p, &len, &msg), -ENOEXEC);
	ASSERT_STR_CONTAINS(msg, "'?[2J?'");
	free(msg);
	/* A name without its NUL stops at the PE magic. */
	memset(z + 24, 'g', 32);
	ASSERT_EQ(zboot(z, size, &p, &len, &msg), -ENOEXEC);
	ASSERT_STR_CONTAINS(msg, "'gggggggggggggggggggggggggggggggg'");
	free(msg);
	strcpy((char *)z + 24, "gzip");
	/* The payload must lie inside the file. */
	ASSERT_EQ(zboot(z, size - 1, &p, &len, &msg), -ENOEXEC);
	ASSERT_STR_CONTAINS(msg, "corrupt or truncated");
	free(msg);
	put_le32(z + 8, 0xffffffff);
	ASSERT_EQ(zboot(z, size, &p, &len, &msg), -ENOEXEC);
	ASSERT_STR_CONTAINS(msg, "corrupt or truncated");
	free(msg);
	put_le32(z + 8, 512);
	put_le32(z + 12, 0);
	ASSERT_EQ(zboot(z, size, &p, &len, &msg), -ENOEXEC);
	free(msg);
	put_le32(z + 12, sizeof(payload));
	ASSERT_EQ(zboot(z, size, &p, &len, &msg), 0);
	free(msg);
	/* Not zboot at all. */
	ASSERT_TRUE(!arm64_image_is_zboot(z, 63));
	z[4] = 'Z';
	ASSERT_TRUE(!arm64_image_is_zboot(z, size));
	ASSERT_EQ(zboot(z, size, &p, &len, &msg), -ENOEXEC);
	ASSERT_STR_CONTAINS(msg, "not an EFI zboot image");
	free(msg);
	free(z);
}
