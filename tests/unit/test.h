/* SPDX-License-Identifier: MIT */
/* test.h: a minimal unit-test framework: TEST() registers, ASSERT*() report both sides. */
#pragma once

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
	struct test_case *next;
};

void test_register(struct test_case *tc);
/* Marks the running test failed (the test keeps going so all failures show). */
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define TEST(name)                                                                                 \
	static void test_##name(void);                                                             \
	static struct test_case test_case_##name = {#name, test_##name, NULL};                     \
	__attribute__((constructor)) static void test_register_##name(void)                        \
	{                                                                                          \
		test_register(&test_case_##name);                                                  \
	}                                                                                          \
	static void test_##name(void)

#define ASSERT_TRUE(cond)                                                                          \
	do {                                                                                       \
		if (!(cond))                                                                       \
			test_fail(__FILE__, __LINE__, "expected true: %s", #cond);                 \
	} while (0)

#define ASSERT_EQ(a, b)                                                                            \
	do {                                                                                       \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                                   \
		if (a_ != b_)                                                                      \
			test_fail(__FILE__, __LINE__, "%s == %s: 0x%" PRIx64 " != 0x%" PRIx64, #a, \
				  #b, a_, b_);                                                     \
	} while (0)

#define ASSERT_STR_CONTAINS(hay, needle)                                                           \
	do {                                                                                       \
		if (!strstr((hay), (needle)))                                                      \
			test_fail(__FILE__, __LINE__, "'%s' does not contain '%s'", (hay),         \
				  (needle));                                                       \
	} while (0)
