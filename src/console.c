// SPDX-License-Identifier: MIT
/* console.c: host side of the guest console: output as bytes arrive (with a tail kept for
 * crash reports), input through a reader thread, raw terminal mode and Ctrl-A escapes. */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"

#define CONSOLE_RING	      4096 /* input ring, power of two */
#define CONSOLE_PENDING	      4096 /* terminal input read past a full ring */
#define OUT_STALL_MS	      1000 /* a full non-blocking output is waited for this long */
#define TAIL_SIZE	      8192 /* output kept for reports, power of two */
#define CTRL_A		      0x01
#define CONSOLE_MAX_LISTENERS 4
#define PANIC_BANNER	      "Kernel panic - not syncing"

struct console {
	int in_fd, out_fd;
	_Atomic uint64_t *first_output;
	pthread_mutex_t lock; /* the input ring */
	uint8_t ring[CONSOLE_RING];
	unsigned head, tail; /* free-running; head - tail bytes are buffered */
	bool reader_waiting; /* the reader holds bytes the full ring refused */
	int space_fd;	     /* eventfd: told when a byte leaves the ring the reader waits on */
	pthread_t reader;
	bool reader_started;
	int stop_pipe[2];   /* written to stop the reader thread */
	bool input_dropped; /* warned once: typed input beyond what is buffered was dropped */
	/* Told (on the input thread) when input arrives: the devices that read it. */
	struct {
		void (*fn)(void *ctx);
		void *ctx;
	} listeners[CONSOLE_MAX_LISTENERS];
	unsigned nr_listeners;
	void (*quit)(void *ctx);
	void *quit_ctx;
	/* Terminal state. */
	bool raw;
	bool escape; /* the previous input byte was Ctrl-A */
	struct termios saved_tty;
	/* Output, its tail and panic detection: devices write from their own threads (the UART
	 * on vCPU threads, virtio-console on another), one at a time under out_lock. */
	pthread_mutex_t out_lock;
	bool out_stalled; /* the output stayed full for OUT_STALL_MS: drop until it drains */
	char out_tail[TAIL_SIZE];
	uint64_t out_total;
	unsigned panic_match; /* bytes of PANIC_BANNER matched so far */
	uint64_t panic_pos;   /* out_total where the first banner ended */
	_Atomic bool panicked;
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
	con->space_fd = -1;
	pthread_mutex_init(&con->lock, NULL);
	pthread_mutex_init(&con->out_lock, NULL);
	return con;
}

static void watch_output(struct console *con, const uint8_t *p, size_t len)
{
	static const char banner[] = PANIC_BANNER;

	for (size_t i = 0; i < len; i++) {
		con->out_tail[con->out_total++ % TAIL_SIZE] = (char)p[i];
		/* The banner has no repeated prefix, so a mismatch restarts the match. */
		if (p[i] == (uint8_t)banner[con->panic_match])
			con->panic_match++;
		else
			con->panic_match = p[i] == (uint8_t)banner[0];
		if (con->panic_match == sizeof(banner) - 1) {
			if (!atomic_load(&con->panicked))
				con->panic_pos = con->out_total;
			atomic_store(&con->panicked, true);
			con->panic_match = 0;
		}
	}
}

/* A non-blocking output (a terminal another program set O_NONBLOCK on, a pipe) is full:
 * wait for room as a blocking one would, but not for ever. Output nobody reads for
 * OUT_STALL_MS is dropped, and so is later output until a write succeeds again, so that
 * the guest keeps running. Returns true to retry the write. */
static bool wait_for_room(struct console *con)
{
	struct pollfd pfd = {con->out_fd, POLLOUT, 0};
	int ready = 0;

	if (!con->out_stalled) {
		do
			ready = poll(&pfd, 1, OUT_STALL_MS);
		while (ready < 0 && errno == EINTR);
	}
	if (ready > 0 && !(pfd.revents & POLLERR))
		return true;
	if (!con->out_stalled)
		pr_warn("console: nobody has read the output for %u ms; guest output is "
			"dropped until it is read again",
			OUT_STALL_MS);
	con->out_stalled = true;
	return false;
}

void console_write(struct console *con, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (con->first_output && len && !atomic_load(con->first_output))
		atomic_store(con->first_output, time_now_us());
	pthread_mutex_lock(&con->out_lock);
	watch_output(con, p, len);
	while (len) {
		ssize_t n = write(con->out_fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_for_room(con))
			continue;
		if (n <= 0)
			break; /* output closed: the guest keeps running, its output is lost */
		con->out_stalled = false;
		p += n;
		len -= (size_t)n;
	}
	pthread_mutex_unlock(&con->out_lock);
}

bool console_saw_panic(struct console *con)
{
	return atomic_load(&con->panicked);
}

/* Start of the line @lines lines before position @pos, not before the kept tail. */
static uint64_t lines_before(const struct console *con, uint64_t pos, unsigned lines)
{
	uint64_t start = con->out_total > TAIL_SIZE ? con->out_total - TAIL_SIZE : 0;
	/* An unterminated line at @pos counts as one of the @lines. */
	unsigned seen = pos > start && con->out_tail[(pos - 1) % TAIL_SIZE] != '\n';

	while (pos > start) {
		if (con->out_tail[(pos - 1) % TAIL_SIZE] == '\n' && ++seen > lines)
			break;
		pos--;
	}
	return pos;
}

void console_print_tail(struct console *con, FILE *out, unsigned lines)
{
	uint64_t end, start, from;

	pthread_mutex_lock(&con->out_lock);
	end = con->out_total;
	start = end > TAIL_SIZE ? end - TAIL_SIZE : 0;
	from = lines_before(con, end, lines);

	/* After a panic, start just before its banner if that is still kept. */
	if (atomic_load(&con->panicked) && con->panic_pos >= start + sizeof(PANIC_BANNER) - 1)
		from = lines_before(con, con->panic_pos - sizeof(PANIC_BANNER) + 1, 3);
	for (uint64_t i = from; i < end; i++)
		fputc(con->out_tail[i % TAIL_SIZE], out);
	if (end && con->out_tail[(end - 1) % TAIL_SIZE] != '\n')
		fputc('\n', out);
	pthread_mutex_unlock(&con->out_lock);
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
		/* Only while the reader holds input back: otherwise no system call here. */
		if (con->reader_waiting) {
			con->reader_waiting = false;
			if (eventfd_write(con->space_fd, 1) < 0)
				pr_debug("console: space eventfd: %s", strerror(errno));
		}
	}
	pthread_mutex_unlock(&con->lock);
	return c;
}

/* Queues as much of @buf as fits; returns how many bytes. The reader (@from_reader) is
 * told through space_fd when it may queue the rest. */
static size_t console_queue(struct console *con, const uint8_t *buf, size_t len, bool from_reader)
{
	size_t done = 0;

	pthread_mutex_lock(&con->lock);
	while (done < len && con->head - con->tail < CONSOLE_RING)
		con->ring[con->head++ % CONSOLE_RING] = buf[done++];
	if (done < len && from_reader)
		con->reader_waiting = true;
	pthread_mutex_unlock(&con->lock);
	return done;
}

static void notify_listeners(struct console *con)
{
	for (unsigned i = 0; i < con->nr_listeners; i++)
		con->listeners[i].fn(con->listeners[i].ctx);
}

void console_push_input(struct console *con, const uint8_t *buf, size_t len)
{
	console_queue(con, buf, len, false);
	notify_listeners(con);
}

int console_add_input_listener(struct console *con, void (*notify)(void *ctx), void *ctx)
{
	if (con->nr_listeners == CONSOLE_MAX_LISTENERS)
		return -ENOSPC;
	con->listeners[con->nr_listeners].fn = notify;
	con->listeners[con->nr_listeners].ctx = ctx;
	con->nr_listeners++;
	return 0;
}

/* Terminal input: Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A, Ctrl-A h helps.
 * Compacts @buf in place to the bytes meant for the guest; returns their count. */
static size_t filter_escapes(struct console *con, uint8_t *buf, size_t n)
{
	static const char help[] = "\r\nsmolvm: Ctrl-A x quit, Ctrl-A Ctrl-A send Ctrl-A\r\n";
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		if (!con->escape) {
			if (buf[i] == CTRL_A)
				con->escape = true;
			else
				buf[out++] = buf[i];
			continue;
		}
		con->escape = false;
		if (buf[i] == 'x' || buf[i] == 'X') {
			if (con->quit)
				con->quit(con->quit_ctx);
		} else if (buf[i] == CTRL_A) {
			buf[out++] = CTRL_A;
		} else if (buf[i] == 'h' || buf[i] == '?') {
			if (write(con->out_fd, help, sizeof(help) - 1) < 0)
				pr_debug("console: help: %s", strerror(errno));
		}
	}
	return out;
}

/* Reader state: input read from the fd but not yet in the ring. */
struct reader_buf {
	uint8_t pending[CONSOLE_PENDING];
	size_t len;
	bool eof;
};

/* Reads what the input fd has. A terminal is always read, so that Ctrl-A x is seen however
 * much input the guest leaves unread (typed input beyond the buffers is dropped, as a
 * UART's would be); piped input only when the last read is queued, so none is lost. */
static void read_input(struct console *con, struct reader_buf *rb)
{
	uint8_t buf[256];
	size_t len, room = sizeof(rb->pending) - rb->len;
	ssize_t n = read(con->in_fd, buf, con->raw ? sizeof(buf) : MIN(sizeof(buf), room));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		rb->eof = true; /* the guest keeps running without further input */
		return;
	}
	len = con->raw ? filter_escapes(con, buf, (size_t)n) : (size_t)n;
	if (len > room && !con->input_dropped) {
		con->input_dropped = true;
		pr_warn("console: the guest is not reading its input; typed input beyond %u bytes "
			"is dropped",
			CONSOLE_RING + CONSOLE_PENDING);
	}
	len = MIN(len, room);
	memcpy(rb->pending + rb->len, buf, len);
	rb->len += len;
}

static void *console_reader(void *arg)
{
	struct console *con = arg;
	struct reader_buf *rb = calloc(1, sizeof(*rb));

	while (rb && !(rb->eof && !rb->len)) {
		bool want_input = !rb->eof && (con->raw || !rb->len);
		struct pollfd fds[3] = {
			{con->stop_pipe[0], POLLIN, 0},
			{rb->len ? con->space_fd : -1, POLLIN, 0},
			{want_input ? con->in_fd : -1, POLLIN, 0},
		};
		size_t queued;
		eventfd_t v;

		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[0].revents)
			break;
		if (fds[1].revents)
			(void)eventfd_read(con->space_fd, &v);
		if (fds[2].revents)
			read_input(con, rb);
		if (!rb->len)
			continue;
		queued = console_queue(con, rb->pending, rb->len, true);
		memmove(rb->pending, rb->pending + queued, rb->len - queued);
		rb->len -= queued;
		if (queued)
			notify_listeners(con);
	}
	free(rb);
	return NULL;
}

int console_start_input(struct console *con, void (*notify)(void *ctx), void *ctx)
{
	int err;

	if (notify && console_add_input_listener(con, notify, ctx))
		return -ENOSPC;
	if (con->in_fd < 0)
		return 0;
	con->space_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (con->space_fd < 0 || pipe2(con->stop_pipe, O_CLOEXEC) < 0)
		return -errno;
	err = pthread_create(&con->reader, NULL, console_reader, con);
	if (err) {
		pr_err("cannot start the console input thread: %s", strerror(err));
		return -err;
	}
	con->reader_started = true;
	return 0;
}

void console_set_quit_handler(struct console *con, void (*quit)(void *ctx), void *ctx)
{
	con->quit = quit;
	con->quit_ctx = ctx;
}

int console_enter_raw_mode(struct console *con)
{
	struct termios raw;

	if (con->in_fd < 0 || !isatty(con->in_fd) || tcgetattr(con->in_fd, &con->saved_tty) < 0)
		return 0;
	raw = con->saved_tty;
	cfmakeraw(&raw);
	/* Keep output post-processing: guests print "\n" and the terminal needs "\r\n". */
	raw.c_oflag |= OPOST | ONLCR;
	if (tcsetattr(con->in_fd, TCSANOW, &raw) < 0)
		return -errno;
	con->raw = true;
	return 0;
}

void console_restore_tty(struct console *con)
{
	if (con && con->raw)
		tcsetattr(con->in_fd, TCSANOW, &con->saved_tty);
}

void console_destroy(struct console *con)
{
	if (!con)
		return;
	if (con->reader_started) {
		/* The reader never blocks but in poll(), which watches the stop pipe. */
		if (write(con->stop_pipe[1], "", 1) < 0)
			pr_debug("console: stop pipe: %s", strerror(errno));
		pthread_join(con->reader, NULL);
	}
	console_restore_tty(con);
	for (int i = 0; i < 2; i++)
		if (con->stop_pipe[i] >= 0)
			close(con->stop_pipe[i]);
	if (con->space_fd >= 0)
		close(con->space_fd);
	pthread_mutex_destroy(&con->lock);
	pthread_mutex_destroy(&con->out_lock);
	free(con);
}
