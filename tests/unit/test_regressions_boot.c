// SPDX-License-Identifier: MIT
/* test_regressions_boot.c: regression tests for fixed bugs in the console tail, the Linux
 * loader's RAM message and its load-address check. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "arch/x86_64/boot.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/linux.h"
#include "bzimage_build.h"
#include "console.h"
#include "log_capture.h"
#include "test.h"
#include "vm_state.h"

#define MiB (1ull << 20)

/* A console writing to /dev/null; *fd gets the descriptor to close. */
static struct console *null_console(int *fd)
{
	struct console *con;

	*fd = open("/dev/null", O_WRONLY);
	if (*fd < 0)
		return NULL;
	con = console_create(-1, *fd, NULL);
	if (!con)
		close(*fd);
	return con;
}

static char *tail_of(struct console *con, unsigned lines)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return calloc(1, 1);
	console_print_tail(con, f, lines);
	fclose(f);
	return buf ? buf : calloc(1, 1);
}

/* src/console.c lines_before() (line 114, `++seen > lines`): the newline that ends the last
 * complete line is counted as one of the @lines, which is right when the output ends with
 * '\n' but not when its last line is unterminated: then that line is not counted and
 * console_print_tail(con, f, N) prints N + 1 lines. (Before commit 4c54568 the walk skipped
 * the trailing newline with `from != end` and printed N lines in both cases.) */
TEST(regression_console_tail_unterminated_last_line)
{
	struct console *con;
	char *t;
	int fd;

	con = null_console(&fd);
	ASSERT_TRUE(con != NULL);
	if (!con)
		return;
	console_write(con, "a\nb\nc", 5);
	t = tail_of(con, 2);
	if (strcmp(t, "b\nc\n"))
		test_fail(__FILE__, __LINE__, "tail(2) of \"a\\nb\\nc\" is '%s', want 'b\\nc\\n'",
			  t);
	free(t);
	t = tail_of(con, 1);
	if (strcmp(t, "c\n"))
		test_fail(__FILE__, __LINE__, "tail(1) of \"a\\nb\\nc\" is '%s', want 'c\\n'", t);
	free(t);
	console_destroy(con);
	close(fd);
}

/* src/console.c console_print_tail() (line 127): the banner is used only if
 * `panic_pos > start + sizeof(PANIC_BANNER)`, i.e. if it starts at least 2 bytes into the
 * kept tail; a banner at the very start of the output (or of the kept 8 KiB) is still there
 * but the report falls back to the last lines and drops it. The test for "the banner's
 * first byte is still kept" is panic_pos - (sizeof(PANIC_BANNER) - 1) >= start. */
TEST(regression_console_tail_panic_banner_at_start)
{
	struct console *con;
	char *t;
	int fd;

	con = null_console(&fd);
	ASSERT_TRUE(con != NULL);
	if (!con)
		return;
	console_write(con, "Kernel panic - not syncing: x\nafter 1\nafter 2\n", 47);
	ASSERT_TRUE(console_saw_panic(con));
	t = tail_of(con, 1);
	ASSERT_STR_CONTAINS(t, "Kernel panic - not syncing: x\n");
	free(t);
	console_destroy(con);
	close(fd);
}

/* src/arch/x86_64/linux.c line 35: the "(N MiB)" in the not-enough-RAM message is
 * `(end >> 20) + 1`, one too many when end is a whole number of MiB: a kernel that needs
 * RAM up to 0x1800000 is said to need 25 MiB, yet boots with -m 24M. Rounding up is
 * (end + (1 << 20) - 1) >> 20. */
TEST(regression_linux_ram_message_mib_off_by_one)
{
	struct bz_spec s = bz_default();
	size_t size = bz_file_size(&s);
	uint8_t *file = bz_build(&s, size);
	struct vm *vm = calloc(1, sizeof(*vm));
	struct bzimage bz;
	struct arch_boot boot;
	struct log_capture c;
	uint64_t end;
	char *msg;

	if (!file || !vm) {
		free(file);
		free(vm);
		return;
	}
	s.init_size = 0x800000; /* 16 MiB + 8 MiB = 24 MiB */
	bz_fill(&s, file, size);
	ASSERT_EQ(bzimage_parse(file, size, "bz", &bz), 0);
	ASSERT_EQ(guest_mem_add(&vm->mem, 0, 20 * MiB), 0);
	log_capture_begin(&c);
	ASSERT_EQ(x86_linux_load_bzimage(vm, &bz, "bz", &boot, &end), -ENOEXEC);
	msg = log_capture_end(&c);
	ASSERT_STR_CONTAINS(msg, "(24 MiB)");
	free(msg);
	guest_mem_free(&vm->mem);
	free(vm);
	free(file);
}

/* src/arch/x86_64/linux.c x86_linux_load_bzimage() (lines 22-28) and src/loader/bzimage.c:
 * nothing checks code32_start of a non-relocatable kernel. LOADED_HIGH promises a kernel
 * at 1 MiB and up, but code32_start = 0x1000 is accepted: the kernel is copied over the
 * identity page tables (0x9000, written before it), then the zero page (0x7000) and the
 * command line (0x20000) are written over the kernel, so the guest dies at entry instead of
 * smolvm refusing the file. */
TEST(regression_linux_code32_start_below_1mib_accepted)
{
	struct bz_spec s = bz_default();
	size_t size;
	uint8_t *file;
	struct vm *vm;
	struct bzimage bz;
	struct arch_boot boot;
	struct log_capture c;
	uint64_t end;
	int err;

	s.relocatable = 0;
	s.code32_start = 0x1000;
	s.kernel_len = 0x10000;
	size = bz_file_size(&s);
	file = bz_build(&s, size);
	vm = calloc(1, sizeof(*vm));
	if (!file || !vm || guest_mem_add(&vm->mem, 0, 64 * MiB)) {
		free(file);
		free(vm);
		return;
	}
	log_capture_begin(&c);
	err = bzimage_parse(file, size, "bz", &bz);
	if (!err)
		err = x86_linux_load_bzimage(vm, &bz, "bz", &boot, &end);
	free(log_capture_end(&c));
	if (!err)
		test_fail(
			__FILE__, __LINE__,
			"a kernel at code32_start 0x1000 was loaded over 0x1000..0x%llx (zero page "
			"at 0x%llx, page tables at 0x%llx, command line at 0x%llx)",
			(unsigned long long)end, (unsigned long long)X86_ZERO_PAGE_ADDR,
			(unsigned long long)X86_PML4_ADDR, (unsigned long long)X86_CMDLINE_ADDR);
	guest_mem_free(&vm->mem);
	free(vm);
	free(file);
}
