// SPDX-License-Identifier: MIT
/* console.c: host side of the guest console. */
#include "console.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define CONSOLE_RING 4096 /* power of two */

struct console {
	int in_fd, out_fd;
	_Atomic uint64_t *first_output;
	pthread_mutex_t lock;
	pthread_cond_t space; /* the reader waits here while the ring is full */
	uint8_t ring[CONSOLE_RING];
	unsigned head, tail; /* free-running; head - tail bytes are buffered */
	pthread_t reader;
	bool reader_started;
	int stop_pipe[2]; /* written to stop the reader thread */
	bool stopping;
	void (*notify)(void *ctx);
	void *notify_ctx;
};

struct console *console_create(int in_fd, int out_fd, _Atomic uint64_t *first_output)
{
	struct console *con = calloc(1, sizeof(*con));

	if (!con)
		return NULL;
	con->in_fd = in_fd;
	con->out_fd = out_fd;
	con->first_output = first_output;
	con->stop_pipe[0] = con->stop_pipe[1] = -1;
	pthread_mutex_init(&con->lock, NULL);
	pthread_cond_init(&con->space, NULL);
	return con;
}

void console_write(struct console *con, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (con->first_output && len && !atomic_load(con->first_output))
		atomic_store(con->first_output, time_now_us());
	while (len) {
		ssize_t n = write(con->out_fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* output closed: the guest keeps running, its output is lost */
		p += n;
		len -= (size_t)n;
	}
}

bool console_has_input(struct console *con)
{
	bool has;

	pthread_mutex_lock(&con->lock);
	has = con->head != con->tail;
	pthread_mutex_unlock(&con->lock);
	return has;
}

int console_read_byte(struct console *con)
{
	int c = -1;

	pthread_mutex_lock(&con->lock);
	if (con->head != con->tail) {
		c = con->ring[con->tail++ % CONSOLE_RING];
		pthread_cond_signal(&con->space);
	}
	pthread_mutex_unlock(&con->lock);
	return c;
}

/* Returns how many bytes were queued; blocks for space only if @wait. */
static size_t console_queue(struct console *con, const uint8_t *buf, size_t len, bool wait)
{
	size_t done = 0;

	pthread_mutex_lock(&con->lock);
	while (done < len && !con->stopping) {
		if (con->head - con->tail == CONSOLE_RING) {
			if (!wait)
				break;
			pthread_cond_wait(&con->space, &con->lock);
			continue;
		}
		con->ring[con->head++ % CONSOLE_RING] = buf[done++];
	}
	pthread_mutex_unlock(&con->lock);
	return done;
}

void console_push_input(struct console *con, const uint8_t *buf, size_t len)
{
	console_queue(con, buf, len, false);
	if (con->notify)
		con->notify(con->notify_ctx);
}

static void *console_reader(void *arg)
{
	struct console *con = arg;
	uint8_t buf[256];

	for (;;) {
		struct pollfd fds[2] = {{con->in_fd, POLLIN, 0}, {con->stop_pipe[0], POLLIN, 0}};
		ssize_t n;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[1].revents)
			break;
		n = read(con->in_fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break; /* EOF: the guest keeps running without further input */
		/* Blocking here when the guest reads slowly keeps piped input from being lost. */
		console_queue(con, buf, (size_t)n, true);
		if (con->notify)
			con->notify(con->notify_ctx);
	}
	return NULL;
}

int console_start_input(struct console *con, void (*notify)(void *ctx), void *ctx)
{
	int err;

	con->notify = notify;
	con->notify_ctx = ctx;
	if (con->in_fd < 0)
		return 0;
	if (pipe(con->stop_pipe) < 0)
		return -errno;
	err = pthread_create(&con->reader, NULL, console_reader, con);
	if (err) {
		pr_err("cannot start the console input thread: %s", strerror(err));
		return -err;
	}
	con->reader_started = true;
	return 0;
}

void console_destroy(struct console *con)
{
	if (!con)
		return;
	if (con->reader_started) {
		pthread_mutex_lock(&con->lock);
		con->stopping = true;
		pthread_cond_broadcast(&con->space);
		pthread_mutex_unlock(&con->lock);
		if (write(con->stop_pipe[1], "", 1) < 0)
			pr_debug("console: stop pipe: %s", strerror(errno));
		pthread_join(con->reader, NULL);
	}
	for (int i = 0; i < 2; i++)
		if (con->stop_pipe[i] >= 0)
			close(con->stop_pipe[i]);
	pthread_mutex_destroy(&con->lock);
	pthread_cond_destroy(&con->space);
	free(con);
}
