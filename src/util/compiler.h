/* SPDX-License-Identifier: MIT */
/* compiler.h: small helpers every file may use. */
#pragma once

#define ARRAY_SIZE(a)  (sizeof(a) / sizeof((a)[0]))
#define __must_check   __attribute__((warn_unused_result))
#define likely(x)      __builtin_expect(!!(x), 1)
#define unlikely(x)    __builtin_expect(!!(x), 0)
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define MIN(a, b)      ((a) < (b) ? (a) : (b))
#define MAX(a, b)      ((a) > (b) ? (a) : (b))
