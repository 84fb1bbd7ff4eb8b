// SPDX-License-Identifier: MIT
/* test_x86_linux.c: the x86_64 Linux boot protocol: where a bzImage's kernel lands and the
 * entry state, and the zero page (boot_params) as the kernel reads it. The VM is only its
 * guest memory; no KVM is involved. */
#include <errno.h>
#include <stdlib.h>

#include "arch/x86_64/boot.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/linux.h"
#include "arch/x86_64/memmap.h"
#include "bzimage_build.h"
#include "log_capture.h"
#include "test.h"
#include "vm_state.h"

#define MiB  (1ull << 20)
#define FILL 0xcc

struct linux_fx {
	struct vm *vm;
	uint8_t *file;
	struct bzimage bz;
};

/* A VM with @ram bytes of RAM at 0 (plus @high bytes at 4 GiB if non-zero), every byte
 * FILL, and the image @s parsed into fx->bz. */
static bool fx_init(struct linux_fx *fx, uint64_t ram, uint64_t high, const struct bz_spec *s)
{
	memset(fx, 0, sizeof(*fx));
	fx->vm = calloc(1, sizeof(*fx->vm));
	if (!fx->vm || guest_mem_add(&fx->vm->mem, 0, ram))
		return false;
	memset(fx->vm->mem.regions[0].host, FILL, ram);
	if (high && guest_mem_add(&fx->vm->mem, X86_HIGH_RAM_START, high))
		return false;
	if (!s)
		return true;
	fx->file = bz_build(s, bz_file_size(s));
	return fx->file && bzimage_parse(fx->file, bz_file_size(s), "bz", &fx->bz) == 0;
}

static void fx_fini(struct linux_fx *fx)
{
	if (fx->vm)
		guest_mem_free(&fx->vm->mem);
	free(fx->vm);
	free(fx->file);
}

static bool all_equal(const struct guest_mem *mem, uint64_t gpa, uint64_t len, uint8_t v)
{
	const uint8_t *p = guest_mem_ptr(mem, gpa, len);

	if (!p)
		return false;
	for (uint64_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* Loads fx->bz; the log text goes to *msg (caller frees). */
static int load(struct linux_fx *fx, struct arch_boot *boot, uint64_t *end, char **msg)
{
	struct log_capture c;
	int err;

	memset(boot, 0x5a, sizeof(*boot));
	*end = 0xdeadbeef;
	log_capture_begin(&c);
	err = x86_linux_load_bzimage(fx->vm, &fx->bz, "vmlinuz-x", boot, end);
	*msg = log_capture_end(&c);
	return err;
}

/* The kernel must sit at @at: its bytes, with guest RAM right before and after untouched. */
static void expect_kernel_at_(const char *file, int line, struct linux_fx *fx,
			      const struct bz_spec *s, uint64_t at)
{
	const uint8_t *p = guest_mem_ptr(&fx->vm->mem, at, s->kernel_len);

	if (!p || memcmp(p, fx->bz.kernel, s->kernel_len)) {
		test_fail(file, line, "kernel not at 0x%llx", (unsigned long long)at);
		return;
	}
	if (p[0] != bz_kernel_byte(s, 0) ||
	    p[s->kernel_len - 1] != bz_kernel_byte(s, s->kernel_len - 1))
		test_fail(file, line, "kernel bytes at 0x%llx differ from the file",
			  (unsigned long long)at);
	if (!all_equal(&fx->vm->mem, at - 4096, 4096, FILL) ||
	    !all_equal(&fx->vm->mem, at + s->kernel_len, 4096, FILL))
		test_fail(file, line, "bytes around the kernel at 0x%llx were written",
			  (unsigned long long)at);
}

#define EXPECT_KERNEL_AT(fx, s, at) expect_kernel_at_(__FILE__, __LINE__, fx, s, at)

TEST(x86_linux_relocatable_kernel_loads_at_pref_address)
{
	struct bz_spec s = bz_default();
	struct linux_fx fx;
	struct arch_boot boot;
	uint64_t end;
	char *msg;

	s.code32_start = 0x100000;
	s.pref_address = 0x1000000;
	s.init_size = 0x800000;
	ASSERT_TRUE(fx_init(&fx, 64 * MiB, 0, &s));
	ASSERT_EQ(load(&fx, &boot, &end, &msg), 0);
	ASSERT_EQ(msg[0], 0);
	EXPECT_KERNEL_AT(&fx, &s, 0x1000000);
	ASSERT_TRUE(all_equal(&fx.vm->mem, 0x100000, 4096, FILL)); /* not at code32_start */
	ASSERT_EQ(boot.mode, X86_ENTRY_LONG64);
	ASSERT_EQ(boot.entry, 0x1000000 + 0x200); /* startup_64 */
	ASSERT_EQ(boot.boot_data, X86_ZERO_PAGE_ADDR);
	ASSERT_EQ(end, 0x1000000 + 0x800000); /* load + init_size */
	free(msg);
	fx_fini(&fx);
}

TEST(x86_linux_load_address_rules)
{
	static const struct {
		const char *what;
		uint16_t version;
		uint8_t relocatable;
		uint32_t code32_start;
		uint64_t pref_address, want;
	} cases[] = {
		{"non-relocatable: code32_start", 0x020f, 0, 0x200000, 0x1000000, 0x200000},
		{"2.09 has no pref_address", 0x0209, 1, 0x100000, 0x1000000, 0x100000},
		{"2.10 is the first with it", 0x020a, 1, 0x100000, 0x2000000, 0x2000000},
		{"no code32_start: 1 MiB", 0x020f, 0, 0, 0x1000000, 0x100000},
		{"pref_address below 1 MiB ignored", 0x020f, 1, 0x100000, 0x80000, 0x100000},
		{"pref_address in the MMIO hole ignored", 0x020f, 1, 0x100000, 0xc0000000,
		 0x100000},
		{"pref_address above 4 GiB ignored", 0x020f, 1, 0x100000, 0x100000000ull, 0x100000},
		{"pref_address exactly 1 MiB", 0x020f, 1, 0x400000, 0x100000, 0x100000},
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct bz_spec s = bz_default();
		struct linux_fx fx;
		struct arch_boot boot;
		uint64_t end;
		char *msg;

		s.version = cases[i].version;
		s.relocatable = cases[i].relocatable;
		s.code32_start = cases[i].code32_start;
		s.pref_address = cases[i].pref_address;
		s.init_size = 0x100000;
		if (!fx_init(&fx, 64 * MiB, 0, &s)) {
			test_fail(__FILE__, __LINE__, "%s: setup failed", cases[i].what);
			fx_fini(&fx);
			continue;
		}
		if (load(&fx, &boot, &end, &msg) != 0)
			test_fail(__FILE__, __LINE__, "%s: load failed: %s", cases[i].what, msg);
		else if (boot.entry != cases[i].want + 0x200 || end != cases[i].want + 0x100000)
			test_fail(__FILE__, __LINE__,
				  "%s: entry 0x%llx end 0x%llx, want load 0x%llx", cases[i].what,
				  (unsigned long long)boot.entry, (unsigned long long)end,
				  (unsigned long long)cases[i].want);
		else
			EXPECT_KERNEL_AT(&fx, &s, cases[i].want);
		ASSERT_EQ(boot.mode, X86_ENTRY_LONG64);
		free(msg);
		fx_fini(&fx);
	}
}

TEST(x86_linux_kernel_end_covers_file_when_init_size_is_small)
{
	struct bz_spec s = bz_default();
	struct linux_fx fx;
	struct arch_boot boot;
	uint64_t end;
	char *msg;

	s.init_size = 16; /* nonsense, but the copied kernel must still be accounted for */
	s.kernel_len = 8192;
	ASSERT_TRUE(fx_init(&fx, 64 * MiB, 0, &s));
	ASSERT_EQ(load(&fx, &boot, &end, &msg), 0);
	ASSERT_EQ(end, 0x1000000 + 8192);
	EXPECT_KERNEL_AT(&fx, &s, 0x1000000);
	free(msg);
	fx_fini(&fx);
}

TEST(x86_linux_refuses_ram_smaller_than_init_size)
{
	struct bz_spec s = bz_default();
	struct linux_fx fx;
	struct arch_boot boot;
	uint64_t end;
	char *msg;

	/* 16 MiB load + 8 MiB init_size needs 24 MiB; 20 MiB holds the file but not that. */
	s.init_size = 0x800000;
	ASSERT_TRUE(fx_init(&fx, 20 * MiB, 0, &s));
	ASSERT_EQ(load(&fx, &boot, &end, &msg), -ENOEXEC);
	ASSERT_STR_CONTAINS(msg, "vmlinuz-x");
	ASSERT_STR_CONTAINS(msg, "0x1800000");
	ASSERT_STR_CONTAINS(msg, "-m");
	ASSERT_TRUE(all_equal(&fx.vm->mem, 0, 20 * MiB, FILL)); /* nothing copied */
	free(msg);
	fx_fini(&fx);

	/* Exactly enough RAM is enough. */
	ASSERT_TRUE(fx_init(&fx, 24 * MiB, 0, &s));
	ASSERT_EQ(load(&fx, &boot, &end, &msg), 0);
	ASSERT_EQ(end, 24 * MiB);
	EXPECT_KERNEL_AT(&fx, &s, 0x1000000);
	free(msg);
	fx_fini(&fx);
}

/* Zero page helpers. */

static struct boot_params *zero_page(struct linux_fx *fx)
{
	return guest_mem_ptr(&fx->vm->mem, X86_ZERO_PAGE_ADDR, sizeof(struct boot_params));
}

static int write_zp(struct linux_fx *fx, const struct bzimage *bz, const struct linux_boot_data *d,
		    char **msg)
{
	struct log_capture c;
	int err;

	log_capture_begin(&c);
	err = x86_linux_write_zero_page(fx->vm, bz, d);
	*msg = log_capture_end(&c);
	return err;
}

static void expect_e820_matches_memmap(const char *file, int line, struct linux_fx *fx)
{
	const struct boot_params *bp = zero_page(fx);
	struct x86_mem_entry map[X86_MEMMAP_MAX];
	unsigned n = x86_build_memmap(&fx->vm->mem, map);

	if (n == 0 || bp->e820_entries != n) {
		test_fail(file, line, "%u e820 entries, the memory map has %u", bp->e820_entries,
			  n);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		if (bp->e820_table[i].addr != map[i].addr ||
		    bp->e820_table[i].size != map[i].size ||
		    bp->e820_table[i].type != (uint32_t)map[i].type)
			test_fail(file, line, "e820[%u] = %llx+%llx type %u", i,
				  (unsigned long long)bp->e820_table[i].addr,
				  (unsigned long long)bp->e820_table[i].size,
				  bp->e820_table[i].type);
	/* The first unused slot stays empty. */
	if (bp->e820_table[n].addr || bp->e820_table[n].size || bp->e820_table[n].type)
		test_fail(file, line, "e820[%u] past the end is not empty", n);
}

TEST(x86_linux_zero_page_from_bzimage)
{
	struct bz_spec s = bz_default();
	struct linux_boot_data d = {
		.cmdline_gpa = X86_CMDLINE_ADDR,
		.cmdline_len = 100,
		.initrd_gpa = 0x3000000,
		.initrd_size = 0x123456,
		.rsdp_gpa = 0xf0000,
	};
	struct linux_fx fx;
	struct boot_params *bp;
	char *msg;

	s.cmdline_size = 4095;
	ASSERT_TRUE(fx_init(&fx, 64 * MiB, 0, &s));
	ASSERT_EQ(write_zp(&fx, &fx.bz, &d, &msg), 0);
	ASSERT_EQ(msg[0], 0);
	bp = zero_page(&fx);
	ASSERT_TRUE(bp != NULL);
	/* The file's header, as the kernel expects to find it again. */
	ASSERT_EQ(bp->hdr.setup_sects, 3);
	ASSERT_EQ(bp->hdr.syssize, s.kernel_len / 16);
	ASSERT_EQ(bp->hdr.boot_flag, 0xaa55);
	ASSERT_EQ(bp->hdr.header, 0x53726448);
	ASSERT_EQ(bp->hdr.version, 0x020f);
	ASSERT_EQ(bp->hdr.loadflags, LOADED_HIGH);
	ASSERT_EQ(bp->hdr.code32_start, 0x100000);
	ASSERT_EQ(bp->hdr.kernel_alignment, 0x200000);
	ASSERT_EQ(bp->hdr.relocatable_kernel, 1);
	ASSERT_EQ(bp->hdr.xloadflags, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G);
	ASSERT_EQ(bp->hdr.cmdline_size, 4095);
	ASSERT_EQ(bp->hdr.pref_address, 0x1000000);
	ASSERT_EQ(bp->hdr.init_size, 0x400000);
	ASSERT_EQ(bp->hdr.initrd_addr_max, 0x7fffffff);
	/* What the boot loader fills in. */
	ASSERT_EQ(bp->hdr.type_of_loader, 0xff);
	ASSERT_EQ(bp->hdr.cmd_line_ptr, X86_CMDLINE_ADDR);
	ASSERT_EQ(bp->ext_cmd_line_ptr, 0);
	ASSERT_EQ(bp->hdr.ramdisk_image, 0x3000000);
	ASSERT_EQ(bp->ext_ramdisk_image, 0);
	ASSERT_EQ(bp->hdr.ramdisk_size, 0x123456);
	ASSERT_EQ(bp->ext_ramdisk_size, 0);
	ASSERT_EQ(bp->hdr.vid_mode, 0xffff);
	ASSERT_EQ(bp->acpi_rsdp_addr, 0xf0000);
	expect_e820_matches_memmap(__FILE__, __LINE__, &fx);
	/* 64 MiB at 0: low RAM, EBDA, BIOS area, RAM from 1 MiB. */
	ASSERT_EQ(bp->e820_entries, 4);
	ASSERT_EQ(bp->e820_table[0].addr, 0);
	ASSERT_EQ(bp->e820_table[0].size, X86_EBDA_START);
	ASSERT_EQ(bp->e820_table[0].type, 1);
	ASSERT_EQ(bp->e820_table[3].addr, 1 * MiB);
	ASSERT_EQ(bp->e820_table[3].size, 63 * MiB);
	ASSERT_EQ(bp->e820_table[3].type, 1);
	/* Nothing else is left over from the old memory contents. */
	ASSERT_EQ(bp->screen_info.orig_video_isVGA, 0);
	ASSERT_EQ(bp->eddbuf_entries, 0);
	ASSERT_EQ(bp->sentinel, 0);
	ASSERT_EQ(bp->hdr.loadflags & KEEP_SEGMENTS, 0);
	ASSERT_TRUE(all_equal(&fx.vm->mem, X86_ZERO_PAGE_ADDR - 256, 256, FILL));
	ASSERT_TRUE(all_equal(&fx.vm->mem, X86_ZERO_PAGE_ADDR + 4096, 256, FILL));
	free(msg);
	fx_fini(&fx);
}

/* The whole page, byte for byte: the header prefix, smolvm's fields, zeros elsewhere. */
TEST(x86_linux_zero_page_exact_contents)
{
	struct bz_spec s = bz_default();
	struct linux_boot_data d = {X86_CMDLINE_ADDR, 10, 0x2000000, 0x1000, 0xf0000};
	struct boot_params want;
	struct x86_mem_entry map[X86_MEMMAP_MAX];
	struct linux_fx fx;
	unsigned n;
	char *msg;

	ASSERT_TRUE(fx_init(&fx, 32 * MiB, 0, &s));
	ASSERT_EQ(write_zp(&fx, &fx.bz, &d, &msg), 0);
	memset(&want, 0, sizeof(want));
	memcpy(&want.hdr, fx.file + BZ_OFF_SETUP_SECTS, sizeof(want.hdr));
	want.hdr.type_of_loader = 0xff;
	want.hdr.cmd_line_ptr = X86_CMDLINE_ADDR;
	want.hdr.ramdisk_image = 0x2000000;
	want.hdr.ramdisk_size = 0x1000;
	want.hdr.vid_mode = 0xffff;
	want.acpi_rsdp_addr = 0xf0000;
	n = x86_build_memmap(&fx.vm->mem, map);
	for (unsigned i = 0; i < n; i++) {
		want.e820_table[i].addr = map[i].addr;
		want.e820_table[i].size = map[i].size;
		want.e820_table[i].type = map[i].type;
	}
	want.e820_entries = (uint8_t)n;
	ASSERT_EQ(sizeof(want), 4096);
	if (memcmp(zero_page(&fx), &want, sizeof(want))) {
		const uint8_t *got = (const uint8_t *)zero_page(&fx), *w = (const uint8_t *)&want;

		for (size_t i = 0; i < sizeof(want); i++)
			if (got[i] != w[i]) {
				test_fail(__FILE__, __LINE__,
					  "zero page byte 0x%zx: 0x%02x, want 0x%02x", i, got[i],
					  w[i]);
				break;
			}
	}
	free(msg);
	fx_fini(&fx);
}

TEST(x86_linux_zero_page_copies_only_hdr_len)
{
	struct bz_spec s = bz_default();
	struct linux_boot_data d = {X86_CMDLINE_ADDR, 10, 0, 0, 0};
	struct linux_fx fx;
	struct boot_params *bp;
	char *msg;

	/* A header that ends at 0x248 (protocol 2.07): pref_address and init_size, which the
	 * file has past its header, are not part of it. */
	s.jump = 0x46;
	ASSERT_TRUE(fx_init(&fx, 32 * MiB, 0, &s));
	ASSERT_EQ(fx.bz.hdr_len, 0x57);
	ASSERT_EQ(fx.bz.hdr.init_size, 0x400000); /* the parser did read it */
	ASSERT_EQ(write_zp(&fx, &fx.bz, &d, &msg), 0);
	bp = zero_page(&fx);
	ASSERT_EQ(bp->hdr.cmdline_size, 2047);
	ASSERT_EQ(bp->hdr.init_size, 0);
	ASSERT_EQ(bp->hdr.pref_address, 0);
	ASSERT_EQ(bp->hdr.version, 0x020f);
	ASSERT_EQ(bp->hdr.type_of_loader, 0xff);
	free(msg);
	fx_fini(&fx);
}

TEST(x86_linux_zero_page_addresses_above_4g)
{
	struct bz_spec s = bz_default();
	struct linux_boot_data d = {
		.cmdline_gpa = 0x123456789ull,
		.cmdline_len = 0,
		.initrd_gpa = 0x2fedcb000ull,
		.initrd_size = 0x100000010ull,
		.rsdp_gpa = 0x1000f0000ull,
	};
	struct linux_fx fx;
	struct boot_params *bp;
	char *msg;

	ASSERT_TRUE(fx_init(&fx, 32 * MiB, 2 * MiB, &s));
	ASSERT_EQ(write_zp(&fx, &fx.bz, &d, &msg), 0);
	bp = zero_page(&fx);
	ASSERT_EQ(bp->hdr.cmd_line_ptr, 0x23456789);
	ASSERT_EQ(bp->ext_cmd_line_ptr, 0x1);
	ASSERT_EQ(bp->hdr.ramdisk_image, 0xfedcb000);
	ASSERT_EQ(bp->ext_ramdisk_image, 0x2);
	ASSERT_EQ(bp->hdr.ramdisk_size, 0x10);
	ASSERT_EQ(bp->ext_ramdisk_size, 0x1);
	ASSERT_EQ(bp->acpi_rsdp_addr, 0x1000f0000ull);
	/* Two RAM regions: the one above 4 GiB is listed too. */
	expect_e820_matches_memmap(__FILE__, __LINE__, &fx);
	ASSERT_EQ(bp->e820_entries, 5);
	ASSERT_EQ(bp->e820_table[4].addr, X86_HIGH_RAM_START);
	ASSERT_EQ(bp->e820_table[4].size, 2 * MiB);
	ASSERT_EQ(bp->e820_table[4].type, 1);
	free(msg);
	fx_fini(&fx);
}

TEST(x86_linux_zero_page_cmdline_limit)
{
	struct bz_spec s = bz_default();
	struct linux_boot_data d = {X86_CMDLINE_ADDR, 255, 0, 0, 0};
	struct linux_fx fx;
	char *msg;

	s.cmdline_size = 255;
	ASSERT_TRUE(fx_init(&fx, 32 * MiB, 0, &s));
	/* cmdline_size excludes the NUL: 255 characters fit. */
	ASSERT_EQ(write_zp(&fx, &fx.bz, &d, &msg), 0);
	ASSERT_EQ(zero_page(&fx)->hdr.cmd_line_ptr, X86_CMDLINE_ADDR);
	free(msg);
	d.cmdline_len = 256;
	ASSERT_EQ(write_zp(&fx, &fx.bz, &d, &msg), -E2BIG);
	ASSERT_STR_CONTAINS(msg, "256");
	ASSERT_STR_CONTAINS(msg, "255");
	ASSERT_STR_CONTAINS(msg, "command line");
	free(msg);
	d.cmdline_len = 100000;
	ASSERT_EQ(write_zp(&fx, &fx.bz, &d, &msg), -E2BIG);
	ASSERT_STR_CONTAINS(msg, "100000");
	free(msg);
	fx_fini(&fx);
}

TEST(x86_linux_zero_page_for_elf_vmlinux)
{
	struct linux_boot_data d = {X86_CMDLINE_ADDR, 500, 0x4000000, 0x2000, 0xf0000};
	struct linux_fx fx;
	struct boot_params *bp;
	char *msg;

	ASSERT_TRUE(fx_init(&fx, 128 * MiB, 0, NULL));
	ASSERT_EQ(write_zp(&fx, NULL, &d, &msg), 0);
	ASSERT_EQ(msg[0], 0);
	bp = zero_page(&fx);
	/* A header startup_64 and the kernel's boot code accept. */
	ASSERT_EQ(bp->hdr.boot_flag, 0xaa55);
	ASSERT_TRUE(!memcmp(&bp->hdr.header, "HdrS", 4));
	ASSERT_TRUE(bp->hdr.loadflags & LOADED_HIGH);
	ASSERT_TRUE(bp->hdr.version >= 0x0206);
	ASSERT_TRUE(bp->hdr.cmdline_size >= 2047);
	ASSERT_TRUE(bp->hdr.cmdline_size < X86_CMDLINE_MAX);
	ASSERT_TRUE(bp->hdr.kernel_alignment != 0);
	ASSERT_EQ(bp->hdr.type_of_loader, 0xff);
	ASSERT_EQ(bp->hdr.cmd_line_ptr, X86_CMDLINE_ADDR);
	ASSERT_EQ(bp->hdr.ramdisk_image, 0x4000000);
	ASSERT_EQ(bp->hdr.ramdisk_size, 0x2000);
	ASSERT_EQ(bp->acpi_rsdp_addr, 0xf0000);
	expect_e820_matches_memmap(__FILE__, __LINE__, &fx);
	ASSERT_TRUE(all_equal(&fx.vm->mem, X86_ZERO_PAGE_ADDR + 4096, 256, FILL));
	free(msg);
	/* The made-up limit is enforced too: the whole command line buffer minus the NUL. */
	d.cmdline_len = X86_CMDLINE_MAX - 1;
	ASSERT_EQ(write_zp(&fx, NULL, &d, &msg), 0);
	free(msg);
	d.cmdline_len = X86_CMDLINE_MAX;
	ASSERT_EQ(write_zp(&fx, NULL, &d, &msg), -E2BIG);
	ASSERT_STR_CONTAINS(msg, "65536");
	free(msg);
	fx_fini(&fx);
}

TEST(x86_linux_zero_page_needs_ram_there)
{
	struct linux_boot_data d = {X86_CMDLINE_ADDR, 1, 0, 0, 0};
	struct vm *vm = calloc(1, sizeof(*vm));

	ASSERT_TRUE(vm != NULL);
	if (!vm)
		return;
	/* RAM only from 1 MiB: there is no zero page to write. */
	ASSERT_EQ(guest_mem_add(&vm->mem, 1 * MiB, 16 * MiB), 0);
	ASSERT_EQ(x86_linux_write_zero_page(vm, NULL, &d), -EFAULT);
	guest_mem_free(&vm->mem);
	free(vm);
}
