// SPDX-License-Identifier: MIT
/* fuzz_bzimage.c: the bzImage parser (src/loader/bzimage.c) with the boot-params placement
 * of src/arch/x86_64/linux.c, then the whole x86_64 kernel load (arch_load_kernel in
 * src/arch/x86_64/boot.c: format dispatch, ELF or bzImage, command line, initrd placement
 * under initrd_addr_max, ACPI tables, zero page or PVH start info) with the input as the
 * kernel file. The input is the kernel file; its last bytes also pick the command-line
 * length and the initrd size, so every file is a valid seed.
 * Checks beyond ASan/UBSan: what bzimage_parse() and the loader promise (header length,
 * kernel inside the file and in guest RAM at or above 1 MiB, entry at load + 0x200, the
 * kernel's bytes where it was loaded, command line limits, e820 table size). */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/arch.h"
#include "arch/x86_64/boot.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/linux.h"
#include "fuzz_common.h"
#include "loader/bzimage.h"
#include "vm_state.h"

#define LOW_SIZE   (40ull << 20)
#define HIGH_SIZE  (2ull << 20)
#define INITRD_MAX (1ull << 20)

static struct vm vm;
static struct vm_config cfg;
static int kernel_fd = -1, initrd_fd = -1;
static char kernel_path[64], initrd_path[64];
static char cmdline[X86_CMDLINE_MAX + 16];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	if (guest_mem_add(&vm.mem, 0, LOW_SIZE) ||
	    guest_mem_add(&vm.mem, X86_HIGH_RAM_START, HIGH_SIZE))
		abort();
	kernel_fd = memfd_create("fuzz-kernel", MFD_CLOEXEC);
	initrd_fd = memfd_create("fuzz-initrd", MFD_CLOEXEC);
	if (kernel_fd < 0 || initrd_fd < 0)
		abort();
	snprintf(kernel_path, sizeof(kernel_path), "/proc/self/fd/%d", kernel_fd);
	snprintf(initrd_path, sizeof(initrd_path), "/proc/self/fd/%d", initrd_fd);
	memset(cmdline, 'x', sizeof(cmdline));
	cfg.kernel_path = kernel_path;
	cfg.mem_size = LOW_SIZE;
	cfg.nr_cpus = 1;
	vm.cfg = &cfg;
	return 0;
}

/* bzimage_parse(), x86_linux_load_bzimage() and x86_linux_write_zero_page() directly. */
static void parse_and_place(const uint8_t *data, size_t size, size_t cmdline_len)
{
	struct linux_boot_data d = {.cmdline_gpa = X86_CMDLINE_ADDR, .cmdline_len = cmdline_len};
	struct arch_boot boot;
	struct bzimage bz;
	const struct boot_params *bp;
	uint64_t end, load, need;
	int err;

	if (bzimage_parse(data, size, "fuzz", &bz)) {
		/* An ELF vmlinux gets a made-up setup header instead. */
		err = x86_linux_write_zero_page(&vm, NULL, &d);
		FUZZ_CHECK(err == 0 || err == -E2BIG);
		return;
	}
	FUZZ_CHECK(bz.hdr_len >= 0x11 && bz.hdr_len <= sizeof(bz.hdr));
	FUZZ_CHECK(bz.hdr.version >= BZIMAGE_MIN_PROTOCOL);
	FUZZ_CHECK(bz.kernel > data && bz.kernel + bz.kernel_size == data + size);
	FUZZ_CHECK((uint64_t)bz.hdr.syssize * 16 <= bz.kernel_size);

	err = x86_linux_load_bzimage(&vm, &bz, "fuzz", &boot, &end);
	if (!err) {
		load = boot.entry - 0x200;
		need = end - load;
		FUZZ_CHECK(boot.mode == X86_ENTRY_LONG64 && boot.boot_data == X86_ZERO_PAGE_ADDR);
		FUZZ_CHECK(load >= X86_HIMEM_START && end > load);
		FUZZ_CHECK(need >= bz.kernel_size && need >= bz.hdr.init_size);
		FUZZ_CHECK(guest_mem_ptr(&vm.mem, load, need) != NULL);
		FUZZ_CHECK(!memcmp(guest_mem_ptr(&vm.mem, load, bz.kernel_size), bz.kernel,
				   bz.kernel_size));
	} else {
		FUZZ_CHECK(err == -ENOEXEC);
	}

	err = x86_linux_write_zero_page(&vm, &bz, &d);
	bp = guest_mem_ptr(&vm.mem, X86_ZERO_PAGE_ADDR, sizeof(*bp));
	if (err) {
		/* The limit is the zero page's: a header shorter than its cmdline_size
		 * field (a small jump at 0x200) leaves it 0. */
		FUZZ_CHECK(err == -E2BIG && cmdline_len > bp->hdr.cmdline_size);
		return;
	}
	FUZZ_CHECK(cmdline_len <= bp->hdr.cmdline_size);
	FUZZ_CHECK(bp->hdr.boot_flag == 0xaa55);
	FUZZ_CHECK(bp->hdr.cmd_line_ptr == X86_CMDLINE_ADDR && bp->ext_cmd_line_ptr == 0);
	FUZZ_CHECK(bp->e820_entries > 0 && bp->e820_entries <= ARRAY_SIZE(bp->e820_table));
}

/* arch_load_kernel() on the input as a file: what `smolvm -k FILE -i INITRD -p ...` does
 * before any vCPU runs. */
static void load_kernel_file(const uint8_t *data, size_t size, size_t cmdline_len,
			     size_t initrd_size)
{
	static size_t cur_initrd = SIZE_MAX;
	const struct arch_boot *boot;
	int err;

	if (ftruncate(kernel_fd, 0) || pwrite(kernel_fd, data, size, 0) != (ssize_t)size)
		abort();
	if (initrd_size != cur_initrd) {
		if (ftruncate(initrd_fd, 0) || ftruncate(initrd_fd, (off_t)initrd_size))
			abort();
		cur_initrd = initrd_size;
	}
	cfg.initrd_path = initrd_size ? initrd_path : NULL;
	cmdline[cmdline_len] = '\0';
	cfg.cmdline = cmdline_len ? cmdline : NULL;
	err = arch_load_kernel(&vm);
	cmdline[cmdline_len] = 'x';
	boot = vm.boot;
	if (!err) {
		FUZZ_CHECK(boot != NULL);
		if (boot->mode == X86_ENTRY_PVH32)
			FUZZ_CHECK(boot->entry <= UINT32_MAX);
		FUZZ_CHECK(guest_mem_ptr(&vm.mem, boot->entry, 1) != NULL);
		FUZZ_CHECK(strlen(boot->cmdline) < X86_CMDLINE_MAX);
	}
	free(vm.boot);
	vm.boot = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cmdline_len = 0, initrd_size = 0;

	if (size >= 3) {
		/* Mostly short command lines; now and then one near the limits. */
		cmdline_len = data[size - 1] | (size_t)data[size - 2] << 8;
		if (!(data[size - 2] & 0x80))
			cmdline_len &= 0xff;
		cmdline_len %= X86_CMDLINE_MAX + 16;
		initrd_size = (data[size - 3] & 7) * (INITRD_MAX / 8);
	}
	parse_and_place(data, size, cmdline_len);
	if (size)
		load_kernel_file(data, size, cmdline_len, initrd_size);
	return 0;
}
