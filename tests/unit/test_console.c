// SPDX-License-Identifier: MIT
/* test_console.c: the console's output path (pass-through, first-output time, the kept
 * tail and Linux panic detection across arbitrary write boundaries) and its input ring. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "console.h"
#include "log.h"
#include "log_capture.h"
#include "test.h"

#define BANNER "Kernel panic - not syncing"

struct con_fx {
	int rd, wr;
	_Atomic uint64_t first;
	struct console *con;
};

/* Output into a non-blocking pipe (read back with drain()); @devnull: discard it. */
static bool fx_init(struct con_fx *fx, bool devnull)
{
	int p[2];

	memset(fx, 0, sizeof(*fx));
	fx->rd = fx->wr = -1;
	if (devnull) {
		fx->wr = open("/dev/null", O_WRONLY);
		if (fx->wr < 0)
			return false;
	} else {
		if (pipe2(p, O_NONBLOCK) < 0)
			return false;
		fx->rd = p[0];
		fx->wr = p[1];
	}
	fx->con = console_create(-1, fx->wr, &fx->first);
	return fx->con != NULL;
}

static void fx_fini(struct con_fx *fx)
{
	console_destroy(fx->con);
	if (fx->rd >= 0)
		close(fx->rd);
	if (fx->wr >= 0)
		close(fx->wr);
}

/* Everything written to the pipe so far, NUL-terminated (caller frees). */
static char *drain(struct con_fx *fx, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	ssize_t r;

	while (buf && (r = read(fx->rd, buf + n, cap - n)) > 0)
		n += (size_t)r;
	if (buf)
		buf[n] = 0;
	*len = n;
	return buf;
}

static void put(struct con_fx *fx, const char *s)
{
	console_write(fx->con, s, strlen(s));
}

/* console_print_tail() output as a string (caller frees). */
static char *tail(struct con_fx *fx, unsigned lines)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return calloc(1, 1);
	console_print_tail(fx->con, f, lines);
	fclose(f);
	return buf ? buf : calloc(1, 1);
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

#define EXPECT_TAIL(fx, lines, want)                                                               \
	do {                                                                                       \
		char *got_ = tail(fx, lines);                                                      \
		if (strcmp(got_, want))                                                            \
			test_fail(__FILE__, __LINE__, "tail(%u) = '%s', want '%s'",                \
				  (unsigned)(lines), got_, want);                                  \
		free(got_);                                                                        \
	} while (0)

TEST(console_output_passes_through_in_order)
{
	struct con_fx fx;
	char want[20000];
	size_t n = 0, len;
	char *got;

	ASSERT_TRUE(fx_init(&fx, false));
	/* Many writes of varying sizes, including empty ones. */
	for (unsigned i = 0; n < sizeof(want) - 64; i++) {
		char chunk[64];
		size_t k = i % 37;

		for (size_t j = 0; j < k; j++)
			chunk[j] = (char)(' ' + (n + j) % 90);
		console_write(fx.con, chunk, k);
		memcpy(want + n, chunk, k);
		n += k;
	}
	got = drain(&fx, &len);
	ASSERT_EQ(len, n);
	ASSERT_TRUE(got && !memcmp(got, want, n));
	/* Binary bytes (NUL, 0xff, escape sequences) are not filtered. */
	console_write(fx.con, "\0\xff\x1b[2J\r\n", 8);
	free(got);
	got = drain(&fx, &len);
	ASSERT_EQ(len, 8);
	ASSERT_TRUE(got && !memcmp(got, "\0\xff\x1b[2J\r\n", 8));
	free(got);
	fx_fini(&fx);
}

TEST(console_first_output_set_once)
{
	struct con_fx fx;
	uint64_t t0;

	ASSERT_TRUE(fx_init(&fx, false));
	console_write(fx.con, "", 0); /* no byte yet */
	ASSERT_EQ(fx.first, 0);
	t0 = time_now_us();
	put(&fx, "x");
	ASSERT_TRUE(fx.first >= t0);
	ASSERT_TRUE(fx.first <= time_now_us());
	t0 = fx.first;
	usleep(2000);
	put(&fx, "more");
	ASSERT_EQ(fx.first, t0);
	fx_fini(&fx);

	/* No timeline: fine as well. */
	ASSERT_TRUE(fx_init(&fx, true));
	console_destroy(fx.con);
	fx.con = console_create(-1, fx.wr, NULL);
	ASSERT_TRUE(fx.con != NULL);
	console_write(fx.con, "hello", 5);
	ASSERT_EQ(fx.first, 0);
	fx_fini(&fx);
}

TEST(console_output_closed_is_not_fatal)
{
	struct con_fx fx;

	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	struct log_capture c;
	char big[70000], *log;
	uint64_t t0;

	/* A full pipe (nobody reading): the write gives up after a while instead of blocking
	 * for ever, says so once, and later output is dropped at once. */
	ASSERT_TRUE(fx_init(&fx, false));
	memset(big, 'x', sizeof(big));
	log_capture_begin(&c);
	t0 = time_now_us();
	console_write(fx.con, big, sizeof(big));
	ASSERT_TRUE(time_now_us() - t0 >= 900000);
	t0 = time_now_us();
	put(&fx, BANNER);
	ASSERT_TRUE(time_now_us() - t0 < 500000);
	log = log_capture_end(&c);
	ASSERT_STR_CONTAINS(log, "nobody has read the output");
	free(log);
	ASSERT_TRUE(console_saw_panic(fx.con)); /* output is still watched */
	fx_fini(&fx);
	/* A closed pipe (EPIPE; SIGPIPE ignored here, see test_known_bugs.c). */
	ASSERT_TRUE(fx_init(&fx, false));
	close(fx.rd);
	fx.rd = -1;
	put(&fx, "lost\n");
	put(&fx, BANNER);
	ASSERT_TRUE(console_saw_panic(fx.con));
	fx_fini(&fx);
	signal(SIGPIPE, old);
}

/* Writes @parts in order to a fresh console; returns whether it saw the panic banner. */
static bool saw_panic_after(const char *const *parts, unsigned n)
{
	struct con_fx fx;
	bool saw;

	if (!fx_init(&fx, true))
		return false;
	for (unsigned i = 0; i < n; i++)
		put(&fx, parts[i]);
	saw = console_saw_panic(fx.con);
	fx_fini(&fx);
	return saw;
}

#define SAW(...)                                                                                   \
	saw_panic_after((const char *const[]){__VA_ARGS__},                                        \
			ARRAY_SIZE(((const char *const[]){__VA_ARGS__})))

TEST(console_panic_detected)
{
	struct con_fx fx;

	ASSERT_TRUE(SAW("[    1.234567] " BANNER ": VFS: Unable to mount root fs\n"));
	ASSERT_TRUE(SAW(BANNER));
	/* Split across writes, at every kind of boundary. */
	ASSERT_TRUE(SAW("Kernel pan", "ic - not sy", "ncing: Attempted to kill init!\n"));
	ASSERT_TRUE(SAW("K", "ernel panic - not syncing", ""));
	ASSERT_TRUE(SAW("boot\nKernel panic - not syncin", "g"));
	/* After partial matches that must restart the match correctly. */
	ASSERT_TRUE(SAW("Kernel panKernel panic - not syncing"));
	ASSERT_TRUE(SAW("KKernel panic - not syncing"));
	ASSERT_TRUE(SAW("Kernel panic - not syncinKernel panic - not syncing"));
	ASSERT_TRUE(SAW("Kernel pan", "Kernel pan", "ic - not syncing"));
	ASSERT_TRUE(SAW("Kernel panic - not sync", "\n", BANNER));
	/* One byte at a time; once seen, it stays seen (a second banner changes nothing). */
	ASSERT_TRUE(fx_init(&fx, true));
	for (const char *p = "x" BANNER "\n" BANNER "\nmore"; *p; p++)
		console_write(fx.con, p, 1);
	ASSERT_TRUE(console_saw_panic(fx.con));
	fx_fini(&fx);
}

TEST(console_panic_not_before_the_last_byte)
{
	static const char banner[] = BANNER;
	struct con_fx fx;

	ASSERT_TRUE(fx_init(&fx, true));
	for (size_t i = 0; i + 1 < sizeof(banner) - 1; i++) {
		console_write(fx.con, banner + i, 1);
		if (console_saw_panic(fx.con)) {
			test_fail(__FILE__, __LINE__, "panic seen after %zu banner bytes", i + 1);
			break;
		}
	}
	console_write(fx.con, banner + sizeof(banner) - 2, 1);
	ASSERT_TRUE(console_saw_panic(fx.con));
	fx_fini(&fx);
}

TEST(console_panic_near_misses)
{
	ASSERT_TRUE(!SAW("Kernel panic - not syncin\n"));
	ASSERT_TRUE(!SAW("kernel panic - not syncing"));
	ASSERT_TRUE(!SAW("Kernel Panic - not syncing"));
	ASSERT_TRUE(!SAW("Kernel panic -  not syncing"));
	ASSERT_TRUE(!SAW("Kernel panic: not syncing"));
	ASSERT_TRUE(!SAW("Kernel  panic - not syncing"));
	ASSERT_TRUE(!SAW("Kernel panic - not syncinG"));
	ASSERT_TRUE(!SAW("Kernel panic - not sync", "ed\n"));
	ASSERT_TRUE(!SAW("Kernel panic - not sync", "x", "ing"));
	ASSERT_TRUE(!SAW("Kernel pan", "\n", "ic - not syncing"));
	ASSERT_TRUE(!SAW("Kernel panic", "", " -", " not", "syncing"));
	ASSERT_TRUE(!SAW("Kernel panic - not\r\nsyncing"));
	ASSERT_TRUE(!SAW("Kernel oops - not syncing", "Kernel BUG at mm/slab.c"));
	ASSERT_TRUE(!SAW(""));
	/* A NUL in the middle. */
	{
		struct con_fx fx;

		ASSERT_TRUE(fx_init(&fx, true));
		console_write(fx.con, "Kernel panic\0 - not syncing", 27);
		ASSERT_TRUE(!console_saw_panic(fx.con));
		fx_fini(&fx);
	}
}

TEST(console_tail_last_lines)
{
	struct con_fx fx;

	ASSERT_TRUE(fx_init(&fx, true));
	EXPECT_TAIL(&fx, 5, ""); /* nothing printed yet */
	put(&fx, "l1\nl2\nl3\nl4\nl5\n");
	EXPECT_TAIL(&fx, 2, "l4\nl5\n");
	EXPECT_TAIL(&fx, 1, "l5\n");
	EXPECT_TAIL(&fx, 5, "l1\nl2\nl3\nl4\nl5\n");
	EXPECT_TAIL(&fx, 100, "l1\nl2\nl3\nl4\nl5\n");
	/* Empty lines are lines. */
	put(&fx, "\n\nl8\n");
	EXPECT_TAIL(&fx, 3, "\n\nl8\n");
	EXPECT_TAIL(&fx, 4, "l5\n\n\nl8\n");
	fx_fini(&fx);
}

/* A last line without its newline counts as a line and gets one added. */
TEST(console_tail_partial_last_line)
{
	struct con_fx fx;

	ASSERT_TRUE(fx_init(&fx, true));
	put(&fx, "only");
	EXPECT_TAIL(&fx, 1, "only\n");
	EXPECT_TAIL(&fx, 3, "only\n");
	put(&fx, "\nl2\nl3\nl4 no newline");
	EXPECT_TAIL(&fx, 5, "only\nl2\nl3\nl4 no newline\n");
	EXPECT_TAIL(&fx, 4, "only\nl2\nl3\nl4 no newline\n");
	/* Fewer lines than there are: see test_known_bugs.c. */
	fx_fini(&fx);
}

TEST(console_tail_after_panic_starts_before_banner)
{
	struct con_fx fx;
	char line[64], *t, *b;
	unsigned before;

	ASSERT_TRUE(fx_init(&fx, true));
	for (unsigned i = 0; i < 50; i++) {
		snprintf(line, sizeof(line), "boot line %02u\n", i);
		put(&fx, line);
	}
	put(&fx, "[    2.000000] " BANNER ": VFS: Unable to mount root fs on unknown-block(0,0)\n");
	for (unsigned i = 0; i < 40; i++) {
		snprintf(line, sizeof(line), " trace %02u\n", i);
		put(&fx, line);
	}
	ASSERT_TRUE(console_saw_panic(fx.con));
	/* Asking for 5 lines still shows the banner and a little context before it. */
	t = tail(&fx, 5);
	b = strstr(t, BANNER);
	ASSERT_TRUE(b != NULL);
	if (b) {
		*b = 0;
		before = count_lines(t);
		*b = 'K';
		ASSERT_TRUE(before >= 1 && before <= 5);
		ASSERT_STR_CONTAINS(t, "boot line 49\n[    2.000000] " BANNER);
		ASSERT_TRUE(!strstr(t, "boot line 40"));
		/* Lines start at a line start. */
		ASSERT_TRUE(!strncmp(t, "boot line ", 10));
	}
	/* Everything after the banner follows, to the end. */
	ASSERT_STR_CONTAINS(t, " trace 00\n");
	ASSERT_STR_CONTAINS(t, " trace 39\n");
	ASSERT_EQ(t[strlen(t) - 1], '\n');
	free(t);
	fx_fini(&fx);
}

/* A second panic (an oops in the panic path) does not move the start: the first banner is
 * the one that says why. */
TEST(console_tail_after_two_panics_starts_at_the_first)
{
	struct con_fx fx;
	char line[64], *t;

	ASSERT_TRUE(fx_init(&fx, true));
	for (unsigned i = 0; i < 10; i++) {
		snprintf(line, sizeof(line), "boot %u\n", i);
		put(&fx, line);
	}
	put(&fx, BANNER ": first\n");
	for (unsigned i = 0; i < 10; i++) {
		snprintf(line, sizeof(line), "between %u\n", i);
		put(&fx, line);
	}
	put(&fx, BANNER ": second\nend\n");
	t = tail(&fx, 2);
	ASSERT_STR_CONTAINS(t, "boot 9\n" BANNER ": first\n");
	ASSERT_STR_CONTAINS(t, "between 0\n");
	ASSERT_STR_CONTAINS(t, BANNER ": second\nend\n");
	free(t);
	fx_fini(&fx);
}

/* The banner's line is the second line printed (see test_known_bugs.c for the first). */
TEST(console_tail_panic_banner_near_the_start)
{
	struct con_fx fx;

	ASSERT_TRUE(fx_init(&fx, true));
	put(&fx, "x\n" BANNER ": oops\nafter 1\nafter 2\n");
	EXPECT_TAIL(&fx, 1, "x\n" BANNER ": oops\nafter 1\nafter 2\n");
	fx_fini(&fx);
}

TEST(console_tail_long_after_panic_falls_back_to_last_lines)
{
	struct con_fx fx;
	char line[64], want[256] = "";

	ASSERT_TRUE(fx_init(&fx, true));
	put(&fx, "before\n[    3.0] " BANNER ": Fatal exception\n");
	/* More than the 8 KiB kept: the banner is gone from the tail. */
	for (unsigned i = 0; i < 1000; i++) {
		snprintf(line, sizeof(line), "after panic %04u\n", i);
		put(&fx, line);
		if (i >= 996)
			strcat(want, line);
	}
	ASSERT_TRUE(console_saw_panic(fx.con));
	EXPECT_TAIL(&fx, 4, want);
	fx_fini(&fx);
}

TEST(console_tail_wraps_at_8k)
{
	struct con_fx fx;
	char line[64];
	char *t;
	size_t len;

	ASSERT_TRUE(fx_init(&fx, true));
	for (unsigned i = 0; i < 2000; i++) { /* 24 000 bytes */
		snprintf(line, sizeof(line), "line %06u\n", i);
		put(&fx, line);
	}
	EXPECT_TAIL(&fx, 2, "line 001998\nline 001999\n");
	/* Asking for more than is kept gives the kept 8 KiB: a suffix of the output. */
	t = tail(&fx, 100000);
	len = strlen(t);
	ASSERT_TRUE(len >= 8000 && len <= 8192 + 1);
	ASSERT_TRUE(len >= 12 && !strcmp(t + len - 12, "line 001999\n"));
	ASSERT_TRUE(!strstr(t, "line 001000\n"));
	free(t);
	fx_fini(&fx);
}

/* Input ring. */

TEST(console_input_fifo)
{
	struct con_fx fx;

	ASSERT_TRUE(fx_init(&fx, true));
	ASSERT_TRUE(!console_has_input(fx.con));
	ASSERT_EQ(console_read_byte(fx.con), -1);
	console_push_input(fx.con, (const uint8_t *)"ab", 2);
	console_push_input(fx.con, (const uint8_t *)"\0\xff", 2);
	ASSERT_TRUE(console_has_input(fx.con));
	ASSERT_EQ(console_read_byte(fx.con), 'a');
	ASSERT_EQ(console_read_byte(fx.con), 'b');
	ASSERT_EQ(console_read_byte(fx.con), 0x00);
	ASSERT_TRUE(console_has_input(fx.con));
	ASSERT_EQ(console_read_byte(fx.con), 0xff); /* not -1: bytes are unsigned */
	ASSERT_TRUE(!console_has_input(fx.con));
	ASSERT_EQ(console_read_byte(fx.con), -1);
	console_push_input(fx.con, NULL, 0);
	ASSERT_TRUE(!console_has_input(fx.con));
	fx_fini(&fx);
}

TEST(console_input_wraps_around_the_ring)
{
	struct con_fx fx;
	unsigned next_in = 0, next_out = 0;

	ASSERT_TRUE(fx_init(&fx, true));
	/* Push 3 bytes, read 2: the buffered amount creeps up while the indices wrap
	 * the ring many times. */
	for (unsigned i = 0; i < 10000; i++) {
		uint8_t b[3];

		for (unsigned j = 0; j < 3; j++)
			b[j] = (uint8_t)(next_in++ * 7);
		console_push_input(fx.con, b, 3);
		for (unsigned j = 0; j < 2; j++) {
			int c = console_read_byte(fx.con);

			if (c != (uint8_t)(next_out++ * 7)) {
				test_fail(__FILE__, __LINE__, "byte %u: %d", next_out - 1, c);
				i = 10000;
				break;
			}
		}
		if (next_in - next_out > 4000) /* keep below the ring size */
			while (next_out < next_in)
				if (console_read_byte(fx.con) != (uint8_t)(next_out++ * 7)) {
					test_fail(__FILE__, __LINE__, "drain at %u", next_out);
					i = 10000;
					break;
				}
	}
	ASSERT_TRUE(next_out > 4 * 4096);
	fx_fini(&fx);
}

TEST(console_input_ring_full_drops_the_excess)
{
	struct con_fx fx;
	uint8_t big[5000];
	unsigned got = 0;
	int c;

	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 13 + i / 256);
	ASSERT_TRUE(fx_init(&fx, true));
	console_push_input(fx.con, big, sizeof(big));
	/* Room for 4096, then 10 more bytes after 10 are read. */
	for (unsigned i = 0; i < 10; i++)
		ASSERT_EQ(console_read_byte(fx.con), big[i]);
	console_push_input(fx.con, (const uint8_t *)"0123456789ABC", 13);
	for (unsigned i = 10; i < 4096; i++) {
		c = console_read_byte(fx.con);
		if (c != big[i]) {
			test_fail(__FILE__, __LINE__, "byte %u: %d, want %u", i, c, big[i]);
			break;
		}
		got++;
	}
	ASSERT_EQ(got, 4086);
	for (unsigned i = 0; i < 10; i++)
		ASSERT_EQ(console_read_byte(fx.con), "0123456789"[i]);
	/* "ABC" did not fit. */
	ASSERT_EQ(console_read_byte(fx.con), -1);
	ASSERT_TRUE(!console_has_input(fx.con));
	/* And the ring keeps working. */
	console_push_input(fx.con, (const uint8_t *)"z", 1);
	ASSERT_EQ(console_read_byte(fx.con), 'z');
	fx_fini(&fx);
}

static void count_notify(void *ctx)
{
	(*(unsigned *)ctx)++;
}

TEST(console_push_input_notifies)
{
	struct con_fx fx;
	unsigned calls = 0;

	ASSERT_TRUE(fx_init(&fx, true));
	/* No input fd: no reader thread, but the callback is kept for pushed input. */
	ASSERT_EQ(console_start_input(fx.con, count_notify, &calls), 0);
	console_push_input(fx.con, (const uint8_t *)"hi", 2);
	ASSERT_TRUE(calls >= 1);
	ASSERT_EQ(console_read_byte(fx.con), 'h');
	fx_fini(&fx);
}

/* src/console.c lines_before() (line 114, `++seen > lines`): the newline that ends the last
 * complete line is counted as one of the @lines, which is right when the output ends with
 * '\n' but not when its last line is unterminated: then that line is not counted and
 * console_print_tail(con, f, N) prints N + 1 lines. (Before commit 4c54568 the walk skipped
 * the trailing newline with `from != end` and printed N lines in both cases.) */
TEST(regression_console_tail_unterminated_last_line)
{
	struct con_fx fx;

	ASSERT_TRUE(fx_init(&fx, true));
	if (!fx.con)
		return;
	put(&fx, "a\nb\nc");
	EXPECT_TAIL(&fx, 2, "b\nc\n");
	EXPECT_TAIL(&fx, 1, "c\n");
	fx_fini(&fx);
}

/* src/console.c console_print_tail() (line 127): the banner is used only if
 * `panic_pos > start + sizeof(PANIC_BANNER)`, i.e. if it starts at least 2 bytes into the
 * kept tail; a banner at the very start of the output (or of the kept 8 KiB) is still there
 * but the report falls back to the last lines and drops it. The test for "the banner's
 * first byte is still kept" is panic_pos - (sizeof(PANIC_BANNER) - 1) >= start. */
TEST(regression_console_tail_panic_banner_at_start)
{
	struct con_fx fx;
	char *t;

	ASSERT_TRUE(fx_init(&fx, true));
	if (!fx.con)
		return;
	put(&fx, "Kernel panic - not syncing: x\nafter 1\nafter 2\n");
	ASSERT_TRUE(console_saw_panic(fx.con));
	t = tail(&fx, 1);
	ASSERT_STR_CONTAINS(t, "Kernel panic - not syncing: x\n");
	free(t);
	fx_fini(&fx);
}

/* Ctrl-A x on a terminal must work however much input the guest left unread: the reader
 * thread used to block on the full 4 KiB ring and never read the escape behind it. */
static void set_flag(void *ctx)
{
	atomic_store((_Atomic bool *)ctx, true);
}

TEST(console_ctrl_a_x_behind_unread_input)
{
	static char junk[12000];
	_Atomic bool quit = false;
	int master = posix_openpt(O_RDWR | O_NOCTTY), slave = -1, out = open("/dev/null", O_WRONLY);
	struct console *con = NULL;
	struct log_capture c;
	size_t sent = 0, len;
	uint64_t end;
	char *log;

	ASSERT_TRUE(master >= 0 && out >= 0);
	if (master < 0 || grantpt(master) || unlockpt(master) ||
	    (slave = open(ptsname(master), O_RDWR | O_NOCTTY)) < 0) {
		test_fail(__FILE__, __LINE__, "no pseudo-terminal: %s", strerror(errno));
		goto out;
	}
	con = console_create(slave, out, NULL);
	ASSERT_TRUE(con != NULL);
	if (!con)
		goto out;
	console_set_quit_handler(con, set_flag, &quit);
	ASSERT_EQ(console_enter_raw_mode(con), 0);
	ASSERT_EQ(console_start_input(con, NULL, NULL), 0);
	/* Nobody reads the console: 12000 bytes of typing, then Ctrl-A x. */
	memset(junk, 'a', sizeof(junk));
	junk[sizeof(junk) - 2] = 0x01;
	junk[sizeof(junk) - 1] = 'x';
	len = sizeof(junk);
	fcntl(master, F_SETFL, O_NONBLOCK);
	log_capture_begin(&c);
	end = time_now_us() + 5000000;
	while (!atomic_load(&quit) && time_now_us() < end) {
		ssize_t n = sent < len ? write(master, junk + sent, len - sent) : 0;

		if (n > 0)
			sent += (size_t)n;
		else
			usleep(1000);
	}
	log = log_capture_end(&c);
	ASSERT_EQ(sent, len);
	ASSERT_TRUE(atomic_load(&quit));
	/* What did not fit was dropped, and said so. */
	ASSERT_STR_CONTAINS(log, "the guest is not reading its input");
	free(log);
	/* What the guest gets is the start of the typing, in order. */
	ASSERT_EQ(console_read_byte(con), 'a');
out:
	console_destroy(con);
	if (slave >= 0)
		close(slave);
	if (master >= 0)
		close(master);
	if (out >= 0)
		close(out);
}

/* Output from two devices at once (the UART on a vCPU thread, virtio-console on another):
 * the kept tail and the panic matcher must see each write whole. Long lines make the
 * bookkeeping the larger part of a write, so unsynchronised writers overlap in it. */
struct writer_arg {
	struct console *con;
	const char *line;
	_Atomic int *budget; /* shared: both threads write until the very end */
	pthread_barrier_t *start;
};

static void *writer(void *p)
{
	struct writer_arg *a = p;

	pthread_barrier_wait(a->start);
	while (atomic_fetch_sub(a->budget, 1) > 0)
		console_write(a->con, a->line, strlen(a->line));
	return NULL;
}

static bool line_of(const char *line, char c)
{
	return strlen(line) == 499 && strspn(line, (char[]){c, 0}) == 499;
}

TEST(console_output_from_two_threads_keeps_lines_whole)
{
	static char la[501], lb[501];
	unsigned bad_rounds = 0;

	memset(la, 'a', 499);
	memset(lb, 'b', 499);
	la[499] = lb[499] = '\n';
	for (int round = 0; round < 20; round++) {
		_Atomic int budget = 5000;
		pthread_barrier_t start;
		struct writer_arg a[2];
		pthread_t t[2];
		unsigned lines = 0, bad = 0;
		struct con_fx fx;
		char *got;

		/* No output fd: the writes cost nothing and the threads overlap the most. */
		memset(&fx, 0, sizeof(fx));
		fx.rd = fx.wr = -1;
		fx.con = console_create(-1, -1, NULL);
		ASSERT_TRUE(fx.con != NULL);
		if (!fx.con)
			return;
		pthread_barrier_init(&start, NULL, 2);
		a[0] = (struct writer_arg){fx.con, la, &budget, &start};
		a[1] = (struct writer_arg){fx.con, lb, &budget, &start};
		for (int i = 0; i < 2; i++)
			ASSERT_EQ(pthread_create(&t[i], NULL, writer, &a[i]), 0);
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&start);
		got = tail(&fx, 10); /* 10 lines fit in the kept 8 KiB */
		for (char *line = strtok(got, "\n"); line; line = strtok(NULL, "\n")) {
			lines++;
			bad += !line_of(line, 'a') && !line_of(line, 'b');
		}
		ASSERT_EQ(lines, 10);
		bad_rounds += bad != 0;
		free(got);
		fx_fini(&fx);
	}
	ASSERT_EQ(bad_rounds, 0);
}

/* Piped input is never dropped: the reader waits for the guest to read, however much
 * comes and however slowly the guest takes it. */
struct pipe_feed {
	int fd;
	size_t len;
};

static uint8_t piped_byte(size_t i)
{
	return (uint8_t)(i * 7 + i / 251);
}

static void *feed_pipe(void *p)
{
	struct pipe_feed *f = p;
	uint8_t buf[1000];

	for (size_t off = 0; off < f->len; off += sizeof(buf)) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = piped_byte(off + i);
		if (write(f->fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			break;
	}
	close(f->fd);
	return NULL;
}

TEST(console_piped_input_waits_for_a_slow_guest)
{
	struct pipe_feed feed = {.len = 30000};
	struct console *con;
	size_t got = 0, wrong = 0;
	uint64_t end = time_now_us() + 10000000;
	pthread_t writer_thread;
	int p[2];

	ASSERT_EQ(pipe(p), 0);
	feed.fd = p[1];
	con = console_create(p[0], -1, NULL);
	ASSERT_TRUE(con != NULL);
	ASSERT_EQ(console_start_input(con, NULL, NULL), 0);
	ASSERT_EQ(pthread_create(&writer_thread, NULL, feed_pipe, &feed), 0);
	while (got < feed.len && time_now_us() < end) {
		int c = console_read_byte(con);

		if (c < 0) {
			usleep(100);
			continue;
		}
		wrong += c != piped_byte(got);
		got++;
		if (got % 4096 == 0)
			usleep(20000); /* a guest that stops reading for a while */
	}
	ASSERT_EQ(got, feed.len);
	ASSERT_EQ(wrong, 0);
	ASSERT_EQ(console_read_byte(con), -1);
	pthread_join(writer_thread, NULL);
	console_destroy(con);
	close(p[0]);
}

/* A non-blocking output that is full for a moment (a terminal another program set
 * O_NONBLOCK on, a pipe read in bursts) must not lose output: console_write used to drop
 * everything after EAGAIN. */
struct slow_reader {
	int fd;
	size_t want, got, wrong;
};

static void *read_slowly(void *p)
{
	struct slow_reader *r = p;
	uint64_t end = time_now_us() + 10000000;
	char buf[4096];

	while (r->got < r->want && time_now_us() < end) {
		struct pollfd pfd = {r->fd, POLLIN, 0};
		ssize_t n = poll(&pfd, 1, 100) > 0 ? read(r->fd, buf, sizeof(buf)) : 0;

		for (ssize_t i = 0; i < n; i++)
			r->wrong += buf[i] != (char)('a' + (r->got + (size_t)i) % 26);
		if (n > 0)
			r->got += (size_t)n;
		usleep(2000);
	}
	return NULL;
}

TEST(console_output_waits_for_a_full_nonblocking_fd)
{
	struct slow_reader r = {.want = 300000};
	static char chunk[1000];
	struct con_fx fx;
	pthread_t t;

	ASSERT_TRUE(fx_init(&fx, false)); /* a non-blocking pipe */
	r.fd = fx.rd;
	ASSERT_EQ(pthread_create(&t, NULL, read_slowly, &r), 0);
	for (size_t off = 0; off < r.want; off += sizeof(chunk)) {
		for (size_t i = 0; i < sizeof(chunk); i++)
			chunk[i] = (char)('a' + (off + i) % 26);
		console_write(fx.con, chunk, sizeof(chunk));
	}
	pthread_join(t, NULL);
	ASSERT_EQ(r.got, r.want);
	ASSERT_EQ(r.wrong, 0);
	fx_fini(&fx);
}
