// SPDX-License-Identifier: MIT
/* log.c: leveled messages on stderr. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The one process-wide setting: written by main() before threads exist, read-only after. */
static enum log_level current_level = LOG_WARN;
static FILE *log_out;

void log_set_output(FILE *out)
{
	log_out = out;
}

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

int log_parse_level(const char *name, enum log_level *level)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};

	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(name, names[i])) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = {"error: ", "warning: ", "", ""};
	char buf[1024];
	va_list ap;
	int n;

	if (!log_enabled(level))
		return;
	n = snprintf(buf, sizeof(buf), "smolvm: %s", prefix[level]);
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One fprintf per message keeps lines from different threads whole. */
	fprintf(log_out ? log_out : stderr, "%s\n", buf);
}

uint64_t time_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
