// SPDX-License-Identifier: MIT
/* fuzz_dtb.c: `--dtb FILE` (src/arch/aarch64/fdt.c): aarch64_fdt_validate() on the user's
 * blob, then aarch64_fdt_patch_chosen() as src/arch/aarch64/boot.c calls it (a 2 MiB
 * buffer; now and then a small one for the out-of-room path), with or without bootargs
 * and an initrd. The input is the blob; its last byte picks those options.
 * libfdt comes from the host (not instrumented: the fuzzer is guided by smolvm's code
 * only, and ASan does not see libfdt's own reads). So the blob is placed to end right
 * before an inaccessible page (less up to 7 bytes: it starts 8-byte aligned, as smolvm's
 * mmap of the file is): a read past the end of the file faults at once.
 * Checks: a blob smolvm accepted and patched is a valid tree (fdt_check_full) whose
 * /chosen has exactly the bootargs and initrd properties asked for. */
#include <libfdt.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/aarch64/fdt.h"
#include "fuzz_common.h"

#define OUT_SIZE AARCH64_FDT_MAX_SIZE /* boot.c: ARM64_FDT_MAX_SIZE */

static uint8_t *area; /* room for the largest input, then a PROT_NONE page */
static size_t area_size, page;
static uint8_t *out;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	page = (size_t)sysconf(_SC_PAGESIZE);
	area_size = AARCH64_FDT_MAX_SIZE + 2 * page;
	area = mmap(NULL, area_size + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		    0);
	out = malloc(OUT_SIZE);
	if (area == MAP_FAILED || !out || mprotect(area + area_size, page, PROT_NONE))
		abort();
	return 0;
}

static void check_chosen(const char *bootargs, uint64_t start, uint64_t end)
{
	int node = fdt_path_offset(out, "/chosen"), len;
	const void *p;

	FUZZ_CHECK(fdt_check_full(out, fdt_totalsize(out)) == 0);
	FUZZ_CHECK(fdt_totalsize(out) <= OUT_SIZE);
	FUZZ_CHECK(node >= 0);
	p = fdt_getprop(out, node, "bootargs", &len);
	if (bootargs)
		FUZZ_CHECK(p && len == (int)strlen(bootargs) + 1 && !memcmp(p, bootargs, len));
	p = fdt_getprop(out, node, "linux,initrd-start", &len);
	if (start) {
		FUZZ_CHECK(p && len == 8 && fdt64_ld(p) == start);
		p = fdt_getprop(out, node, "linux,initrd-end", &len);
		FUZZ_CHECK(p && len == 8 && fdt64_ld(p) == end);
	} else {
		FUZZ_CHECK(!p && !fdt_getprop(out, node, "linux,initrd-end", &len));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t opt = size ? data[size - 1] : 0;
	const char *bootargs = opt & 1 ? "console=ttyAMA0 panic=-1 root=/dev/vda" : NULL;
	uint64_t start = opt & 2 ? 0x47e00000ull : 0, end = opt & 2 ? 0x47f00000ull : 0;
	size_t bufsize = (opt & 0x1c) == 0x1c ? (size_t)(opt >> 5) * 64 : OUT_SIZE;
	uint8_t *blob;
	int err;

	if (size > area_size)
		return 0;
	blob = area + ((area_size - size) & ~(size_t)7);
	memcpy(blob, data, size);
	err = aarch64_fdt_validate(blob, size, "fuzz");
	if (err) {
		FUZZ_CHECK(err == -EINVAL);
		return 0;
	}
	FUZZ_CHECK(fdt_totalsize(blob) <= size && fdt_totalsize(blob) <= AARCH64_FDT_MAX_SIZE);
	err = aarch64_fdt_patch_chosen(blob, out, bufsize, bootargs, start, end);
	if (!err) {
		FUZZ_CHECK(fdt_check_full(out, fdt_totalsize(out)) == 0);
		check_chosen(bootargs, start, end);
	}
	return 0;
}
