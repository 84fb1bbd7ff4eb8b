/* SPDX-License-Identifier: MIT */
/* log_capture.h: collects smolvm's log messages in memory so tests can check their text. */
#pragma once

#include <stdio.h>
#include <stdlib.h>

#include "log.h"

struct log_capture {
	FILE *f;
	char *buf;
	size_t len;
};

static inline void log_capture_begin(struct log_capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	if (c->f)
		log_set_output(c->f);
}

/* Restores stderr; returns the captured text (never NULL) which the caller frees. */
static inline char *log_capture_end(struct log_capture *c)
{
	log_set_output(NULL);
	if (!c->f)
		return calloc(1, 1);
	fclose(c->f);
	return c->buf ? c->buf : calloc(1, 1);
}
