/* SPDX-License-Identifier: MIT */
/* log.h: leveled messages on stderr and a monotonic microsecond clock. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util/compiler.h"

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Process-wide settings: set once by main() before any thread starts. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Where messages go (default stderr); tests capture them with a memstream. */
void log_set_output(FILE *out);
/* Parses "error", "warn", "info", "debug"; returns -EINVAL otherwise. */
int log_parse_level(const char *name, enum log_level *level);

void log_msg(enum log_level level, const char *fmt, ...) __printf(2, 3);
static inline bool log_enabled(enum log_level level)
{
	return level <= log_get_level();
}

#define pr_err(...)  log_msg(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_INFO, __VA_ARGS__)
/* Checked inline: debug messages sit on hot paths (unclaimed port accesses). */
#define pr_debug(...)                                                                              \
	do {                                                                                       \
		if (log_enabled(LOG_DEBUG))                                                        \
			log_msg(LOG_DEBUG, __VA_ARGS__);                                           \
	} while (0)

/* Guest misbehaviour: logged at warn level, at most a few times per call site. */
#define pr_guest_err(...)                                                                          \
	do {                                                                                       \
		static _Atomic unsigned pr_guest_err_count_;                                       \
		unsigned n_ = pr_guest_err_count_++;                                               \
		if (n_ < 5)                                                                        \
			log_msg(LOG_WARN, "guest error: " __VA_ARGS__);                            \
		else if (n_ == 5)                                                                  \
			log_msg(LOG_WARN,                                                          \
				"guest error: further messages of this kind suppressed");          \
	} while (0)

/* Microseconds on CLOCK_MONOTONIC. */
uint64_t time_now_us(void);
