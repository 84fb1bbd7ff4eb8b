// SPDX-License-Identifier: MIT
/* test_regressions.c: regression tests for bugs found in src/ and fixed, in code both
 * architectures build: misaligned ELF program headers, accesses wider than a bus region, PVH
 * entry validation. (x86_64-only ones: test_regressions_x86.c; the console's: test_console.c.) */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>

#include "bus.h"
#include "elf_build.h"
#include "guest_mem.h"
#include "loader/elf.h"
#include "log_capture.h"
#include "test.h"

/* src/loader/elf.c, elf_load(): `ph = (const Elf64_Phdr *)(data + eh.e_phoff)` is used for
 * any e_phoff, so a file whose e_phoff is not a multiple of 8 makes the loader access
 * misaligned Elf64_Phdr objects: undefined behaviour, which UBSan reports and (with
 * -fno-sanitize-recover) aborts on in the SANITIZE=1 build. The loader claims to be
 * defensive against crafted files; it should memcpy each header (or refuse the file).
 * Defined first in this file because tests run in reverse order and the abort ends the run. */
TEST(regression_elf_misaligned_phdrs)
{
	const size_t phoff = 65, data_off = 0x1000;
	uint8_t *f = calloc(1, 0x2000);
	Elf64_Ehdr eh = elf64_ehdr(EM_X86_64, 0x100000, phoff, 1);
	Elf64_Phdr ph = {0};
	struct guest_mem mem = {0};
	struct log_capture cap;
	struct elf_image img;
	int err;

	ph.p_type = PT_LOAD;
	ph.p_offset = data_off;
	ph.p_vaddr = ph.p_paddr = 0x100000;
	ph.p_filesz = ph.p_memsz = 0x10;
	memcpy(f, &eh, sizeof(eh));
	memcpy(f + phoff, &ph, sizeof(ph));
	memset(f + data_off, 0x42, 0x10);
	ASSERT_EQ(guest_mem_add(&mem, 0, 4 << 20), 0);
	log_capture_begin(&cap);
	err = elf_load(f, 0x2000, "misaligned.elf", EM_X86_64, &mem, NULL, 0, &img);
	free(log_capture_end(&cap));
	/* Either outcome is acceptable; reaching this line without UB is the point. */
	ASSERT_TRUE(err == 0 || err == -ENOEXEC);
	if (err == 0)
		ASSERT_EQ(*(uint8_t *)guest_mem_ptr(&mem, 0x100000, 1), 0x42);
	guest_mem_free(&mem);
	free(f);
}

/* src/bus.c, bus_access(): the straddle check `addr - r->base > r->len - size` underflows
 * when the access is wider than the whole region (r->len < size), so the access is passed
 * to the device with an offset + size beyond the region's end instead of BUS_BAD_SIZE. */
struct wide_probe {
	unsigned calls;
	unsigned size;
};

static uint64_t wide_read(void *opaque, uint64_t offset, unsigned size)
{
	struct wide_probe *p = opaque;

	(void)offset;
	p->calls++;
	p->size = size;
	return 0;
}

TEST(regression_bus_access_wider_than_region)
{
	static const struct io_ops ops = {wide_read, NULL, 1, 8};
	struct wide_probe p = {0};
	struct io_region r = {"narrow", 0x100, 2, &ops, &p};
	struct bus bus;
	uint8_t data[8];

	bus_init(&bus, "mmio");
	ASSERT_EQ(bus_register(&bus, &r), 0);
	/* A 4-byte read of a 2-byte region: bytes 0x102-0x103 are not the device's. */
	ASSERT_EQ(bus_access(&bus, 0x100, data, 4, false), BUS_BAD_SIZE);
	/* A 2-byte read at its last byte is refused (this part works)... */
	ASSERT_EQ(bus_access(&bus, 0x101, data, 2, false), BUS_BAD_SIZE);
	/* ...but an 8-byte one is not. */
	ASSERT_EQ(bus_access(&bus, 0x101, data, 8, false), BUS_BAD_SIZE);
	ASSERT_EQ(p.calls, 0);
	bus_destroy(&bus);
}

/* src/loader/elf.c, elf_load(): the entry point is checked against the loaded segments
 * only when there is no PVH note; the PVH entry (the one actually used to boot) is never
 * checked, so a file whose PVH entry points outside every PT_LOAD segment (e.g. into
 * unloaded or reserved memory) is accepted. A validation gap rather than a memory-safety
 * bug: the guest would fault at its first instruction. */
TEST(regression_elf_pvh_entry_not_validated)
{
	uint8_t *f = calloc(1, 0x2000);
	Elf64_Ehdr eh = elf64_ehdr(EM_X86_64, 0x100000, sizeof(Elf64_Ehdr), 2);
	Elf64_Phdr ph[2] = {{0}};
	Elf64_Nhdr nh = {4, 4, 18};
	uint32_t pvh_entry = 0x3f0000; /* not loaded */
	struct guest_mem mem = {0};
	struct log_capture cap;
	struct elf_image img;
	char *msg;
	int err;

	ph[0] = (Elf64_Phdr){.p_type = PT_LOAD,
			     .p_offset = 0x1000,
			     .p_vaddr = 0x100000,
			     .p_paddr = 0x100000,
			     .p_filesz = 0x10,
			     .p_memsz = 0x10};
	ph[1] = (Elf64_Phdr){.p_type = PT_NOTE, .p_offset = 0x800, .p_filesz = 20};
	memcpy(f, &eh, sizeof(eh));
	memcpy(f + sizeof(eh), ph, sizeof(ph));
	memcpy(f + 0x800, &nh, sizeof(nh));
	memcpy(f + 0x800 + sizeof(nh), "Xen", 4);
	memcpy(f + 0x800 + sizeof(nh) + 4, &pvh_entry, 4);
	ASSERT_EQ(guest_mem_add(&mem, 0, 4 << 20), 0);
	log_capture_begin(&cap);
	err = elf_load(f, 0x2000, "pvh.elf", EM_X86_64, &mem, NULL, 0, &img);
	msg = log_capture_end(&cap);
	ASSERT_EQ(err, -ENOEXEC);
	ASSERT_STR_CONTAINS(msg, "entry");
	free(msg);
	guest_mem_free(&mem);
	free(f);
}
