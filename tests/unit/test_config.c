// SPDX-License-Identifier: MIT
/* test_config.c: memory size parsing and the memory size checks. */
#include <errno.h>
#include <stdlib.h>

#include "config.h"
#include "log_capture.h"
#include "test.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)
#define TiB (1024ull * GiB)

static void expect_size(const char *file, int line, const char *s, uint64_t want)
{
	uint64_t got = 0xdeadbeef;
	int err = config_parse_size(s, &got);

	if (err || got != want)
		test_fail(file, line, "'%s': err %d, size 0x%llx; want 0x%llx", s, err,
			  (unsigned long long)got, (unsigned long long)want);
}

static void expect_refused(const char *file, int line, const char *s, int want_err)
{
	uint64_t got = 0xdeadbeef;
	int err = config_parse_size(s, &got);

	if (err != want_err || got != 0xdeadbeef)
		test_fail(file, line, "'%s': err %d (want %d), output 0x%llx (want untouched)",
			  s ? s : "(null)", err, want_err, (unsigned long long)got);
}

#define SIZE_OK(s, want)      expect_size(__FILE__, __LINE__, s, want)
#define SIZE_BAD(s, want_err) expect_refused(__FILE__, __LINE__, s, want_err)

TEST(config_parse_size_accepts)
{
	SIZE_OK("64M", 64 * MiB);
	SIZE_OK("1G", 1 * GiB);
	SIZE_OK("512", 512 * MiB); /* a bare number is MiB */
	SIZE_OK("1", 1 * MiB);
	SIZE_OK("65536K", 64 * MiB);
	SIZE_OK("4K", 4 * KiB);
	SIZE_OK("2T", 2 * TiB);
	SIZE_OK("1g", 1 * GiB);
	SIZE_OK("64m", 64 * MiB);
	SIZE_OK("8k", 8 * KiB);
	SIZE_OK("3t", 3 * TiB);
	SIZE_OK("64MB", 64 * MiB);
	SIZE_OK("64Mb", 64 * MiB);
	SIZE_OK("64MiB", 64 * MiB);
	SIZE_OK("64mib", 64 * MiB);
	SIZE_OK("4GiB", 4 * GiB);
	SIZE_OK("4097M", 4097 * MiB);
	SIZE_OK("0064M", 64 * MiB); /* leading zeros are decimal, not octal */
	SIZE_OK("010", 10 * MiB);
	SIZE_OK("3073", 3073 * MiB);
	/* The largest representable sizes. */
	SIZE_OK("16777215T", 16777215ull * TiB);
	SIZE_OK("17592186044415", 17592186044415ull * MiB);
}

TEST(config_parse_size_refuses_garbage)
{
	SIZE_BAD("0", -EINVAL);
	SIZE_BAD("0M", -EINVAL);
	SIZE_BAD("0K", -EINVAL);
	SIZE_BAD("", -EINVAL);
	SIZE_BAD("abc", -EINVAL);
	SIZE_BAD("M", -EINVAL);
	SIZE_BAD("-1", -EINVAL);
	SIZE_BAD("+64M", -EINVAL);
	SIZE_BAD(" 64M", -EINVAL);
	SIZE_BAD("64M ", -EINVAL);
	SIZE_BAD("64 M", -EINVAL);
	SIZE_BAD("12Q", -EINVAL);
	SIZE_BAD("64B", -EINVAL);
	SIZE_BAD("1.5G", -EINVAL);
	SIZE_BAD("0x100", -EINVAL);
	SIZE_BAD("64MM", -EINVAL);
	SIZE_BAD("64MBB", -EINVAL);
	SIZE_BAD("64MBi", -EINVAL);
	SIZE_BAD("64GiBs", -EINVAL);
	SIZE_BAD("64M\n", -EINVAL);
	expect_refused(__FILE__, __LINE__, NULL, -EINVAL);
}

TEST(config_parse_size_refuses_unaligned)
{
	/* Not a multiple of 4 KiB. */
	SIZE_BAD("4097K", -EINVAL);
	SIZE_BAD("1K", -EINVAL);
	SIZE_BAD("2K", -EINVAL);
	SIZE_BAD("4095K", -EINVAL);
	SIZE_OK("4096K", 4 * MiB);
	SIZE_OK("12K", 12 * KiB);
}

TEST(config_parse_size_refuses_overflow)
{
	SIZE_BAD("99999999999999999999G", -ERANGE); /* does not fit strtoull */
	SIZE_BAD("99999999999999999999", -ERANGE);
	SIZE_BAD("18446744073709551616K", -ERANGE); /* 2^64 */
	SIZE_BAD("16777216T", -ERANGE);		    /* 2^64 bytes exactly */
	SIZE_BAD("17179869184G", -ERANGE);	    /* 2^64 bytes exactly */
	SIZE_BAD("17592186044416", -ERANGE);	    /* 2^44 MiB = 2^64 bytes */
	SIZE_BAD("18014398509481984K", -ERANGE);    /* 2^54 KiB = 2^64 bytes */
	SIZE_BAD("18446744073709551615T", -ERANGE);
}

TEST(config_check_mem_limits)
{
	struct log_capture cap;
	char *msg;

	/* Below the minimum. */
	log_capture_begin(&cap);
	ASSERT_EQ(config_check_mem(CONFIG_MIN_MEM - 4 * KiB, 0), -ERANGE);
	msg = log_capture_end(&cap);
	ASSERT_STR_CONTAINS(msg, "too small");
	ASSERT_STR_CONTAINS(msg, "2044 KiB");
	ASSERT_STR_CONTAINS(msg, "2 MiB");
	free(msg);

	log_capture_begin(&cap);
	ASSERT_EQ(config_check_mem(4 * KiB, 8 * GiB), -ERANGE);
	msg = log_capture_end(&cap);
	ASSERT_STR_CONTAINS(msg, "too small");
	free(msg);

	/* Larger than the host. */
	log_capture_begin(&cap);
	ASSERT_EQ(config_check_mem(16 * GiB, 8 * GiB), -ERANGE);
	msg = log_capture_end(&cap);
	ASSERT_STR_CONTAINS(msg, "16384 MiB");
	ASSERT_STR_CONTAINS(msg, "8192 MiB");
	ASSERT_STR_CONTAINS(msg, "exceeds");
	free(msg);

	log_capture_begin(&cap);
	ASSERT_EQ(config_check_mem(8 * GiB + 4 * KiB, 8 * GiB), -ERANGE);
	msg = log_capture_end(&cap);
	ASSERT_STR_CONTAINS(msg, "exceeds");
	free(msg);

	/* Accepted, silently: the minimum itself, equal to the host, unknown host size. */
	log_capture_begin(&cap);
	ASSERT_EQ(config_check_mem(CONFIG_MIN_MEM, 0), 0);
	ASSERT_EQ(config_check_mem(CONFIG_MIN_MEM, 8 * GiB), 0);
	ASSERT_EQ(config_check_mem(8 * GiB, 8 * GiB), 0);
	ASSERT_EQ(config_check_mem(CONFIG_DEFAULT_MEM, 8 * GiB), 0);
	ASSERT_EQ(config_check_mem(1 * TiB, 0), 0);
	msg = log_capture_end(&cap);
	ASSERT_EQ(strlen(msg), 0);
	free(msg);
}

TEST(config_defaults_sane)
{
	ASSERT_EQ(CONFIG_MIN_MEM, 2 * MiB);
	/* The default must itself pass the check and parse from its own MiB spelling. */
	ASSERT_EQ(config_check_mem(CONFIG_DEFAULT_MEM, CONFIG_DEFAULT_MEM), 0);
	SIZE_OK("256", CONFIG_DEFAULT_MEM);
}
