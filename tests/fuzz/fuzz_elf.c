// SPDX-License-Identifier: MIT
/* fuzz_elf.c: the ELF64 kernel loader (src/loader/elf.c). The input is the kernel file.
 * It is loaded as an x86_64 kernel (the low 64 KiB reserved, as boot.c reserves the low
 * 1 MiB), or as an aarch64 one when its e_machine says so (the top 64 KiB of the first RAM
 * region reserved, as the device-tree area is). Guest RAM has two regions (2 MiB at 0,
 * 1 MiB at 4 GiB) so segments can straddle a gap.
 * Checks beyond ASan/UBSan: reserved memory is never written; a load that succeeds has its
 * entry (or PVH entry) in guest RAM, and every PT_LOAD segment's file bytes and zeroed
 * tail are where its p_paddr says. */
#include <elf.h>

#include "fuzz_common.h"
#include "guest_mem.h"
#include "loader/elf.h"

#define LOW_SIZE   (2ull << 20)
#define HIGH_GPA   (4ull << 30)
#define HIGH_SIZE  (1ull << 20)
#define RESV_SIZE  (64ull << 10)
#define RESV_FILL  0xa5
#define X86_RESV   0ull
#define ARM64_RESV (LOW_SIZE - RESV_SIZE)

static struct guest_mem mem;
static uint8_t resv_pattern[RESV_SIZE];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	if (guest_mem_add(&mem, 0, LOW_SIZE) || guest_mem_add(&mem, HIGH_GPA, HIGH_SIZE))
		abort();
	memset(resv_pattern, RESV_FILL, sizeof(resv_pattern));
	memset(guest_mem_ptr(&mem, X86_RESV, RESV_SIZE), RESV_FILL, RESV_SIZE);
	memset(guest_mem_ptr(&mem, ARM64_RESV, RESV_SIZE), RESV_FILL, RESV_SIZE);
	return 0;
}

/* The segments the loader must have placed: every PT_LOAD with bytes in memory. */
static void check_loaded(const uint8_t *data, size_t size)
{
	Elf64_Ehdr eh;

	memcpy(&eh, data, sizeof(eh));
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		const uint8_t *dst;

		memcpy(&ph, data + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		FUZZ_CHECK(ph.p_offset <= size && ph.p_filesz <= size - ph.p_offset);
		FUZZ_CHECK(ph.p_filesz <= ph.p_memsz);
		dst = guest_mem_ptr(&mem, ph.p_paddr, ph.p_memsz);
		FUZZ_CHECK(dst != NULL);
		FUZZ_CHECK(!memcmp(dst, data + ph.p_offset, ph.p_filesz));
		for (uint64_t b = ph.p_filesz; b < ph.p_memsz; b++)
			FUZZ_CHECK(dst[b] == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mem_range x86_resv[] = {{X86_RESV, X86_RESV + RESV_SIZE, "low"}};
	static const struct mem_range arm64_resv[] = {{ARM64_RESV, ARM64_RESV + RESV_SIZE, "dtb"}};
	bool arm64 = size >= 20 && data[18] == (EM_AARCH64 & 0xff) && data[19] == 0;
	struct elf_image img;
	int err;

	err = elf_load(data, size, "fuzz", arm64 ? EM_AARCH64 : EM_X86_64, &mem,
		       arm64 ? arm64_resv : x86_resv, 1, &img);
	/* Only this machine's range is reserved; the other's is plain RAM this time. */
	FUZZ_CHECK(!memcmp(guest_mem_ptr(&mem, arm64 ? ARM64_RESV : X86_RESV, RESV_SIZE),
			   resv_pattern, RESV_SIZE));
	if (err) {
		FUZZ_CHECK(err == -ENOEXEC || err == -ENOMEM);
		return 0;
	}
	FUZZ_CHECK(img.load_start < img.load_end);
	if (img.has_pvh)
		FUZZ_CHECK(guest_mem_ptr(&mem, img.pvh_entry, 1) != NULL);
	else
		FUZZ_CHECK(guest_mem_ptr(&mem, img.entry, 1) != NULL);
	check_loaded(data, size);
	memset(guest_mem_ptr(&mem, arm64 ? X86_RESV : ARM64_RESV, RESV_SIZE), RESV_FILL, RESV_SIZE);
	return 0;
}
