// SPDX-License-Identifier: MIT
/* main.c: runs every registered unit test; prints "N passed, M failed". */
#include <stdarg.h>
#include <stdlib.h>

#include "log.h"
#include "test.h"

static struct test_case *tests;
static bool current_failed;

void test_register(struct test_case *tc)
{
	tc->next = tests;
	tests = tc;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	current_failed = true;
}

int main(int argc, char **argv)
{
	unsigned passed = 0, failed = 0;

	(void)argc;
	(void)argv;
	for (struct test_case *tc = tests; tc; tc = tc->next) {
		current_failed = false;
		tc->fn();
		printf("%s %s\n", current_failed ? "FAIL" : "ok  ", tc->name);
		if (current_failed)
			failed++;
		else
			passed++;
	}
	printf("unit: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
