// SPDX-License-Identifier: MIT
/* test_elf.c: the ELF64 loader on files crafted in memory: placement, bss, entry
 * translation, the PVH note, and every refusal (with its message, and with guest memory
 * left untouched). */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>

#include "elf_build.h"
#include "guest_mem.h"
#include "loader/elf.h"
#include "log_capture.h"
#include "test.h"

#define MEM_SIZE (4ull << 20)
#define FILL	 0xaa
#define FILE_CAP 0x10000

/* One program header plus where its file bytes come from. */
struct seg {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
	uint8_t seed;	  /* file bytes are seed, seed + 1, ... unless @data is set */
	const void *data; /* filesz bytes */
};

struct elf_file {
	uint8_t *data; /* FILE_CAP bytes, 8-aligned */
	size_t size;
};

static const struct mem_range reserved[] = {
	{0, 0x100000, "the low 1 MiB"},
	{0x300000, 0x301000, "the test hole"},
};

static struct elf_file build(uint16_t machine, uint64_t entry, const struct seg *segs, unsigned n)
{
	struct elf_file f = {calloc(1, FILE_CAP), 0};
	Elf64_Ehdr eh = elf64_ehdr(machine, entry, sizeof(Elf64_Ehdr), (uint16_t)n);

	if (!f.data)
		return f;
	memcpy(f.data, &eh, sizeof(eh));
	f.size = sizeof(eh) + n * sizeof(Elf64_Phdr);
	for (unsigned i = 0; i < n; i++) {
		Elf64_Phdr ph = {
			.p_type = segs[i].type,
			.p_flags = PF_R | PF_X,
			.p_offset = segs[i].offset,
			.p_vaddr = segs[i].vaddr,
			.p_paddr = segs[i].paddr,
			.p_filesz = segs[i].filesz,
			.p_memsz = segs[i].memsz,
			.p_align = 0x1000,
		};

		memcpy(f.data + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
		if (segs[i].offset > FILE_CAP || segs[i].filesz > FILE_CAP - segs[i].offset)
			continue; /* deliberately points past the file */
		for (uint64_t b = 0; b < segs[i].filesz; b++)
			f.data[segs[i].offset + b] = segs[i].data
							     ? ((const uint8_t *)segs[i].data)[b]
							     : (uint8_t)(segs[i].seed + b);
		if (segs[i].offset + segs[i].filesz > f.size)
			f.size = segs[i].offset + segs[i].filesz;
	}
	return f;
}

static Elf64_Ehdr *ehdr(struct elf_file *f)
{
	return (Elf64_Ehdr *)f->data;
}

static bool mem_init(struct guest_mem *mem)
{
	memset(mem, 0, sizeof(*mem));
	if (guest_mem_add(mem, 0, MEM_SIZE))
		return false;
	memset(mem->regions[0].host, FILL, MEM_SIZE);
	return true;
}

/* True if guest RAM [gpa, gpa + len) still holds the fill pattern. */
static bool untouched(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	const uint8_t *p = guest_mem_ptr(mem, gpa, len);

	if (!p)
		return false;
	for (uint64_t i = 0; i < len; i++)
		if (p[i] != FILL)
			return false;
	return true;
}

static int load(struct elf_file *f, struct guest_mem *mem, struct elf_image *img, char **msg)
{
	struct log_capture cap;
	int err;

	log_capture_begin(&cap);
	err = elf_load(f->data, f->size, "test.elf", EM_X86_64, mem, reserved, ARRAY_SIZE(reserved),
		       img);
	*msg = log_capture_end(&cap);
	return err;
}

/* The file must be refused with -ENOEXEC, a message naming it and containing @needle, and
 * all of guest memory left as it was. */
static void expect_refused(const char *file, int line, struct elf_file *f, const char *needle)
{
	struct guest_mem mem;
	struct elf_image img;
	char *msg;
	int err;

	if (!mem_init(&mem)) {
		test_fail(file, line, "cannot allocate guest memory");
		return;
	}
	err = load(f, &mem, &img, &msg);
	if (err != -ENOEXEC)
		test_fail(file, line, "elf_load returned %d, want -ENOEXEC", err);
	if (!strstr(msg, needle) || !strstr(msg, "test.elf"))
		test_fail(file, line, "message '%s' lacks '%s' or the file name", msg, needle);
	if (!untouched(&mem, 0, MEM_SIZE))
		test_fail(file, line, "a refused file modified guest memory");
	free(msg);
	guest_mem_free(&mem);
}

#define EXPECT_REFUSED(f, needle) expect_refused(__FILE__, __LINE__, f, needle)

/* An x86_64 file of @segs entered at @entry must be refused (as expect_refused()). */
static void expect_segs_refused(const char *file, int line, uint64_t entry, const struct seg *segs,
				unsigned n, const char *needle)
{
	struct elf_file f = build(EM_X86_64, entry, segs, n);

	expect_refused(file, line, &f, needle);
	free(f.data);
}

#define EXPECT_SEGS_REFUSED(entry, segs, needle)                                                   \
	expect_segs_refused(__FILE__, __LINE__, entry, segs, ARRAY_SIZE(segs), needle)

/* A file loaded into fresh guest memory; loaded_free() releases both. */
struct loaded {
	struct elf_file f;
	struct guest_mem mem;
	struct elf_image img;
	char *msg; /* what the loader logged */
};

/* Loads @f, which @l then owns, into fresh guest memory: the load must succeed. False (with
 * everything freed) only if there is no memory to load into. */
static bool load_ok(const char *file, int line, struct loaded *l, struct elf_file f)
{
	int err;

	l->f = f;
	l->msg = NULL;
	if (!mem_init(&l->mem)) {
		test_fail(file, line, "cannot allocate guest memory");
		guest_mem_free(&l->mem);
		free(f.data);
		return false;
	}
	err = load(&l->f, &l->mem, &l->img, &l->msg);
	if (err != 0)
		test_fail(file, line, "elf_load returned %d: %s", err, l->msg);
	return true;
}

#define LOAD_OK(l, f) load_ok(__FILE__, __LINE__, l, f)

static void loaded_free(struct loaded *l)
{
	free(l->msg);
	guest_mem_free(&l->mem);
	free(l->f.data);
}

/* The guest byte at @gpa (a failure if it is not RAM). */
static uint8_t byte_at(const struct loaded *l, uint64_t gpa)
{
	const uint8_t *p = guest_mem_ptr(&l->mem, gpa, 1);

	if (!p) {
		test_fail(__FILE__, __LINE__, "0x%llx is not guest RAM", (unsigned long long)gpa);
		return 0;
	}
	return *p;
}

/* A typical small kernel: text, data + bss, and a bss-only segment. */
static const struct seg kernel_segs[] = {
	{PT_LOAD, 0x1000, 0x100000, 0x100000, 0x800, 0x800, 0x10, NULL},
	{PT_LOAD, 0x1800, 0x200000, 0x200000, 0x100, 0x3000, 0x80, NULL},
	{PT_LOAD, 0x0, 0x280000, 0x280000, 0x0, 0x1000, 0, NULL},
};

static struct elf_file kernel(void)
{
	return build(EM_X86_64, 0x100040, kernel_segs, ARRAY_SIZE(kernel_segs));
}

TEST(elf_loads_segments_and_zeroes_bss)
{
	struct loaded l;
	const uint8_t *p;

	if (!LOAD_OK(&l, kernel()))
		return;
	ASSERT_EQ(strlen(l.msg), 0);
	ASSERT_EQ(l.img.entry, 0x100040);
	ASSERT_TRUE(!l.img.has_pvh);
	ASSERT_TRUE(!l.img.is_linux);
	ASSERT_EQ(l.img.load_start, 0x100000);
	ASSERT_EQ(l.img.load_end, 0x281000);

	p = guest_mem_ptr(&l.mem, 0x100000, 0x800);
	for (unsigned i = 0; p && i < 0x800; i++)
		if (p[i] != (uint8_t)(0x10 + i)) {
			test_fail(__FILE__, __LINE__, "text byte %u is 0x%x", i, p[i]);
			break;
		}
	p = guest_mem_ptr(&l.mem, 0x200000, 0x3000);
	for (unsigned i = 0; p && i < 0x3000; i++)
		if (p[i] != (i < 0x100 ? (uint8_t)(0x80 + i) : 0)) {
			test_fail(__FILE__, __LINE__, "data/bss byte 0x%x is 0x%x", i, p[i]);
			break;
		}
	p = guest_mem_ptr(&l.mem, 0x280000, 0x1000);
	for (unsigned i = 0; p && i < 0x1000; i++)
		if (p[i]) {
			test_fail(__FILE__, __LINE__, "bss-only byte 0x%x is 0x%x", i, p[i]);
			break;
		}
	/* Nothing written around the segments. */
	ASSERT_TRUE(untouched(&l.mem, 0, 0x100000));
	ASSERT_TRUE(untouched(&l.mem, 0x100800, 0x200000 - 0x100800));
	ASSERT_TRUE(untouched(&l.mem, 0x203000, 0x280000 - 0x203000));
	ASSERT_TRUE(untouched(&l.mem, 0x281000, MEM_SIZE - 0x281000));
	loaded_free(&l);
}

TEST(elf_accepts_et_dyn_and_zero_size_segments)
{
	const struct seg segs[] = {
		{PT_LOAD, 0x1000, 0x100000, 0x100000, 0x10, 0x10, 1, NULL},
		/* memsz 0: ignored, even though it points outside RAM and overlaps */
		{PT_LOAD, 0x1000, 0x100000, 0x7000000, 0, 0, 0, NULL},
		{PT_LOAD, 0x1000, 0x100000, 0x100000, 0, 0, 0, NULL},
		/* non-LOAD headers are not placed */
		{PT_GNU_STACK, 0, 0, 0, 0, 0, 0, NULL},
		{PT_DYNAMIC, 0x1000, 0x100000, 0x100000, 0x10, 0x10, 1, NULL},
	};
	struct elf_file f = build(EM_X86_64, 0x100000, segs, ARRAY_SIZE(segs));
	struct loaded l;

	ehdr(&f)->e_type = ET_DYN;
	if (!LOAD_OK(&l, f))
		return;
	ASSERT_EQ(l.img.load_start, 0x100000);
	ASSERT_EQ(l.img.load_end, 0x100010);
	ASSERT_TRUE(untouched(&l.mem, 0x100010, MEM_SIZE - 0x100010));
	loaded_free(&l);
}

TEST(elf_vmlinux_entry_translation)
{
	/* vmlinux-like: linked at 0xffffffff81000000, loaded at 2 MiB (scaled down). */
	const uint64_t kv = 0xffffffff81000000ull;
	struct seg segs[] = {
		{PT_LOAD, 0x1000, kv, 0x200000, 0x1000, 0x1000, 0x33, NULL},
		{PT_LOAD, 0x2000, kv + 0x200000, 0x280000, 0x800, 0x1000, 0x44, NULL},
	};
	static const struct {
		uint64_t entry, want;
	} cases[] = {
		{0xffffffff81000000ull, 0x200000}, {0xffffffff81000123ull, 0x200123},
		{0xffffffff81000fffull, 0x200fff}, {0xffffffff81200000ull, 0x280000},
		{0xffffffff81200ffcull, 0x280ffc}, /* in bss: still inside the segment */
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct loaded l;

		if (!LOAD_OK(&l, build(EM_X86_64, cases[i].entry, segs, ARRAY_SIZE(segs))))
			break;
		if (l.img.entry != cases[i].want)
			test_fail(__FILE__, __LINE__, "entry 0x%llx -> 0x%llx, want 0x%llx",
				  (unsigned long long)cases[i].entry,
				  (unsigned long long)l.img.entry,
				  (unsigned long long)cases[i].want);
		/* Segments go to p_paddr, not p_vaddr. */
		ASSERT_EQ(byte_at(&l, 0x200000), 0x33);
		ASSERT_EQ(byte_at(&l, 0x280000), 0x44);
		ASSERT_EQ(byte_at(&l, 0x280800), 0);
		ASSERT_EQ(l.img.load_start, 0x200000);
		ASSERT_EQ(l.img.load_end, 0x281000);
		loaded_free(&l);
	}
}

TEST(elf_entry_outside_segments_refused)
{
	const uint64_t kv = 0xffffffff81000000ull;
	const struct seg segs[] = {
		{PT_LOAD, 0x1000, kv, 0x200000, 0x1000, 0x1000, 0x33, NULL},
	};
	/* A physical e_entry inside a segment is accepted: vmlinux files have one. */
	const uint64_t bad[] = {kv - 1, kv + 0x1000, 0x200000 + 0x1000, 0};

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_SEGS_REFUSED(bad[i], segs, "entry point");
	EXPECT_SEGS_REFUSED(kv + 0x1000, segs, "0xffffffff81001000");
}

/* A PT_NOTE segment's bytes: a few unrelated notes, then (optionally) the PVH note. */
static size_t note_bytes(uint8_t *out, uint32_t type, uint32_t descsz, uint64_t desc,
			 const char *name, uint32_t namesz)
{
	Elf64_Nhdr nh = {namesz, descsz, type};
	size_t n = 0;

	memcpy(out, &nh, sizeof(nh));
	n += sizeof(nh);
	memset(out + n, 0, (namesz + 3) & ~3u);
	memcpy(out + n, name, strlen(name) + 1 < namesz ? strlen(name) + 1 : namesz);
	n += (namesz + 3) & ~3u;
	memset(out + n, 0, (descsz + 3) & ~3u);
	memcpy(out + n, &desc, descsz < 8 ? descsz : 8);
	n += (descsz + 3) & ~3u;
	return n;
}

static struct elf_file pvh_kernel(const uint8_t *notes, size_t notes_len, uint64_t entry)
{
	const struct seg segs[] = {
		{PT_LOAD, 0x1000, 0x100000, 0x100000, 0x100, 0x100, 0x20, NULL},
		{PT_NOTE, 0x800, 0x100800, 0x100800, notes_len, notes_len, 0, notes},
	};

	return build(EM_X86_64, entry, segs, ARRAY_SIZE(segs));
}

static void check_pvh(const char *file, int line, const uint8_t *notes, size_t len, bool want_pvh,
		      uint32_t want_entry)
{
	struct loaded l;

	if (!load_ok(file, line, &l, pvh_kernel(notes, len, 0x100010)))
		return;
	if (l.img.has_pvh != want_pvh || (want_pvh && l.img.pvh_entry != want_entry))
		test_fail(file, line, "has_pvh %d entry 0x%x, want %d 0x%x", l.img.has_pvh,
			  l.img.pvh_entry, want_pvh, want_entry);
	ASSERT_EQ(l.img.entry, 0x100010);
	/* The note segment is not loaded. */
	ASSERT_TRUE(untouched(&l.mem, 0x100800, 0x100));
	loaded_free(&l);
}

#define CHECK_PVH(n, len, want, entry) check_pvh(__FILE__, __LINE__, n, len, want, entry)

TEST(elf_pvh_note_detection)
{
	uint8_t notes[256];
	size_t n;

	/* 4-byte descriptor, alone. */
	n = note_bytes(notes, 18, 4, 0x100020, "Xen", 4);
	CHECK_PVH(notes, n, true, 0x100020);

	/* 8-byte descriptor, after notes whose name and descriptor need padding. */
	n = note_bytes(notes, NT_GNU_BUILD_ID, 20, 0x1122334455667788ull, "GNU", 4);
	n += note_bytes(notes + n, 1, 1, 0x7f, "Linux", 6);
	n += note_bytes(notes + n, 17, 8, 0xffffffff81000000ull, "Xen", 4); /* ENTRY, not PVH */
	n += note_bytes(notes + n, 18, 8, 0x1000abull, "Xen", 4);
	CHECK_PVH(notes, n, true, 0x1000ab);

	/* No PVH note among other Xen notes. */
	n = note_bytes(notes, 17, 8, 0x1000000, "Xen", 4);
	n += note_bytes(notes + n, 18, 4, 0x1000000, "Xex", 4);
	CHECK_PVH(notes, n, false, 0);

	/* Type 18 from another vendor is not the PVH note. */
	n = note_bytes(notes, 18, 4, 0x1000000, "GNU", 4);
	CHECK_PVH(notes, n, false, 0);

	/* Descriptor sizes other than 4 and 8 are not understood. */
	n = note_bytes(notes, 18, 2, 0x1000, "Xen", 4);
	CHECK_PVH(notes, n, false, 0);
	n = note_bytes(notes, 18, 16, 0x1000000, "Xen", 4);
	CHECK_PVH(notes, n, false, 0);

	/* An 8-byte entry above 4 GiB cannot be a 32-bit PVH entry. */
	n = note_bytes(notes, 18, 8, 0x100000000ull, "Xen", 4);
	CHECK_PVH(notes, n, false, 0);

	/* A note cut short by the segment end is ignored, not read past. */
	n = note_bytes(notes, 18, 8, 0x1000000, "Xen", 4);
	CHECK_PVH(notes, n - 4, false, 0);
	CHECK_PVH(notes, 10, false, 0);
}

static bool linux_note_seen(const uint8_t *notes, size_t len)
{
	struct loaded l;
	bool seen;

	if (!LOAD_OK(&l, pvh_kernel(notes, len, 0x100010)))
		return false;
	seen = l.img.is_linux;
	loaded_free(&l);
	return seen;
}

TEST(elf_linux_note_detection)
{
	uint8_t notes[256];
	size_t n;

	/* vmlinux carries notes named "Linux" (e.g. LINUX_ELFNOTE_BUILD_SALT, type 0x100). */
	n = note_bytes(notes, 0x100, 8, 0x1234, "Linux", 6);
	ASSERT_TRUE(linux_note_seen(notes, n));
	/* After other notes, with padding. */
	n = note_bytes(notes, NT_GNU_BUILD_ID, 20, 0x55, "GNU", 4);
	n += note_bytes(notes + n, 18, 4, 0x100000, "Xen", 4);
	n += note_bytes(notes + n, 0x101, 1, 0x1, "Linux", 6);
	ASSERT_TRUE(linux_note_seen(notes, n));
	/* Not Linux: other names, a name without its NUL, a cut-off note. */
	n = note_bytes(notes, 0x100, 8, 0x1234, "Linus", 6);
	ASSERT_TRUE(!linux_note_seen(notes, n));
	n = note_bytes(notes, 0x100, 8, 0x1234, "Linux", 5);
	ASSERT_TRUE(!linux_note_seen(notes, n));
	n = note_bytes(notes, 0x100, 8, 0x1234, "Linux", 6);
	ASSERT_TRUE(!linux_note_seen(notes, n - 4));
	n = note_bytes(notes, 0x100, 8, 0x1234, "GNU", 4);
	ASSERT_TRUE(!linux_note_seen(notes, n));
}

TEST(elf_pvh_note_outside_file_ignored)
{
	const struct seg segs[] = {
		{PT_LOAD, 0x1000, 0x100000, 0x100000, 0x100, 0x100, 0x20, NULL},
		{PT_NOTE, 0x7fffffff0000ull, 0, 0, 0x20, 0x20, 0, NULL},
	};
	struct loaded l;

	if (!LOAD_OK(&l, build(EM_X86_64, 0x100000, segs, ARRAY_SIZE(segs))))
		return;
	ASSERT_TRUE(!l.img.has_pvh);
	loaded_free(&l);
}

TEST(elf_pvh_kernel_with_physical_e_entry)
{
	/* A real vmlinux has a physical e_entry (phys_startup_64) and virtual p_vaddr, so
	 * e_entry lies in no segment's virtual range; the PVH note makes it bootable. */
	const uint64_t kv = 0xffffffff81000000ull;
	uint8_t notes[64];
	size_t n = note_bytes(notes, 18, 4, 0x200040, "Xen", 4);
	const struct seg segs[] = {
		{PT_LOAD, 0x1000, kv, 0x200000, 0x100, 0x100, 0x20, NULL},
		{PT_NOTE, 0x800, kv + 0x800, 0x200800, n, n, 0, notes},
	};
	struct loaded l;

	if (!LOAD_OK(&l, build(EM_X86_64, 0x200000, segs, ARRAY_SIZE(segs))))
		return;
	ASSERT_TRUE(l.img.has_pvh);
	ASSERT_EQ(l.img.pvh_entry, 0x200040);
	ASSERT_EQ(byte_at(&l, 0x200000), 0x20);
	loaded_free(&l);
}

TEST(elf_refuses_non_elf)
{
	struct elf_file f = {calloc(1, FILE_CAP), 0};

	memcpy(f.data, "MZ\x90\x00", 4);
	f.size = 512;
	EXPECT_REFUSED(&f, "is not an ELF file");
	f.size = 0;
	EXPECT_REFUSED(&f, "is not an ELF file");
	memcpy(f.data, ELFMAG, SELFMAG);
	f.size = 3; /* only part of the magic */
	EXPECT_REFUSED(&f, "is not an ELF file");
	f.data[3] = 'G';
	f.size = 512;
	EXPECT_REFUSED(&f, "is not an ELF file");
	free(f.data);
}

TEST(elf_refuses_32bit)
{
	struct elf_file f = {calloc(1, FILE_CAP), 0};
	Elf32_Ehdr eh = {0};

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_386;
	eh.e_entry = 0x100000;
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(Elf32_Phdr);
	eh.e_phnum = 1;
	memcpy(f.data, &eh, sizeof(eh));
	f.size = 0x2000;
	EXPECT_REFUSED(&f, "32-bit");
	f.size = sizeof(eh);
	EXPECT_REFUSED(&f, "32-bit");
	free(f.data);
}

TEST(elf_refuses_bad_class_or_endianness)
{
	struct elf_file f = kernel();

	f.data[EI_DATA] = ELFDATA2MSB;
	EXPECT_REFUSED(&f, "little-endian");
	f.data[EI_DATA] = ELFDATA2LSB;
	f.data[EI_CLASS] = ELFCLASSNONE;
	EXPECT_REFUSED(&f, "ELF64");
	f.data[EI_CLASS] = 3;
	EXPECT_REFUSED(&f, "ELF64");
	free(f.data);
}

TEST(elf_refuses_foreign_arch)
{
	static const struct {
		uint16_t machine;
		const char *name;
	} arches[] = {
		{EM_AARCH64, "aarch64"}, {EM_RISCV, "RISC-V"}, {EM_386, "i386"},
		{EM_PPC64, "PowerPC64"}, {EM_S390, "s390"},    {0x4242, "an unknown machine"},
	};

	for (unsigned i = 0; i < ARRAY_SIZE(arches); i++) {
		struct elf_file f =
			build(arches[i].machine, 0x100040, kernel_segs, ARRAY_SIZE(kernel_segs));
		char num[32];

		EXPECT_REFUSED(&f, arches[i].name);
		EXPECT_REFUSED(&f, "not for x86_64");
		snprintf(num, sizeof(num), "e_machine %u", arches[i].machine);
		EXPECT_REFUSED(&f, num);
		free(f.data);
	}
}

TEST(elf_refuses_non_executable_type)
{
	struct elf_file f = kernel();

	ehdr(&f)->e_type = ET_REL;
	EXPECT_REFUSED(&f, "not an executable");
	ehdr(&f)->e_type = ET_CORE;
	EXPECT_REFUSED(&f, "e_type 4");
	free(f.data);
}

TEST(elf_refuses_bad_program_headers)
{
	struct elf_file f = kernel();

	ehdr(&f)->e_phnum = 0;
	EXPECT_REFUSED(&f, "no usable program headers");
	ehdr(&f)->e_phnum = ARRAY_SIZE(kernel_segs);
	ehdr(&f)->e_phentsize = sizeof(Elf32_Phdr);
	EXPECT_REFUSED(&f, "no usable program headers");
	ehdr(&f)->e_phentsize = sizeof(Elf64_Phdr);
	/* Program headers past the end of the file, or wrapping the offset. */
	ehdr(&f)->e_phoff = f.size;
	EXPECT_REFUSED(&f, "program headers");
	ehdr(&f)->e_phoff = f.size - 8;
	EXPECT_REFUSED(&f, "truncated");
	ehdr(&f)->e_phoff = UINT64_MAX - 7;
	EXPECT_REFUSED(&f, "truncated");
	ehdr(&f)->e_phnum = 0xffff;
	ehdr(&f)->e_phoff = sizeof(Elf64_Ehdr);
	EXPECT_REFUSED(&f, "truncated");
	free(f.data);
}

TEST(elf_refuses_truncated)
{
	struct elf_file f = kernel();
	const size_t full = f.size;
	static const struct {
		size_t cut;
		const char *needle;
	} cuts[] = {
		{2, "is not an ELF file"},
		{10, "truncated"},		      /* inside e_ident */
		{40, "truncated"},		      /* mid-header */
		{sizeof(Elf64_Ehdr), "truncated"},    /* header only */
		{64 + 56 + 20, "program headers"},    /* mid-program headers */
		{0x1000, "truncated"},		      /* before any segment data */
		{0x1010, "segment 0"},		      /* mid-segment 0 */
		{0x1800 + 0x80, "segment 1"},	      /* mid-segment 1 */
		{0x1800 + 0xff, "the file has 6399"}, /* one byte short */
	};

	ASSERT_EQ(full, 0x1900);
	for (unsigned i = 0; i < ARRAY_SIZE(cuts); i++) {
		f.size = cuts[i].cut;
		EXPECT_REFUSED(&f, cuts[i].needle);
	}
	free(f.data);
}

TEST(elf_refuses_every_truncation)
{
	/* A compact file whose last bytes are PT_LOAD data: every prefix must be refused. */
	uint8_t notes[32];
	size_t n = note_bytes(notes, 18, 4, 0x100000, "Xen", 4);
	const struct seg segs[] = {
		{PT_NOTE, 176, 0, 0, n, n, 0, notes},
		{PT_LOAD, 200, 0x100000, 0x100000, 0x40, 0x80, 0x60, NULL},
	};
	struct elf_file f = build(EM_X86_64, 0x100000, segs, ARRAY_SIZE(segs));
	const size_t full = f.size;
	struct log_capture cap;
	struct guest_mem mem;
	unsigned accepted = 0, touched = 0;

	ASSERT_EQ(full, 264);
	ASSERT_TRUE(mem_init(&mem));
	log_capture_begin(&cap);
	for (size_t cut = 0; cut < full; cut++) {
		struct elf_image img;
		uint8_t *copy = malloc(cut ? cut : 1);

		/* A fresh, exactly sized buffer so ASan sees any read past the cut. */
		memcpy(copy, f.data, cut);
		if (elf_load(copy, cut, "test.elf", EM_X86_64, &mem, reserved, ARRAY_SIZE(reserved),
			     &img) != -ENOEXEC)
			accepted++;
		if (!untouched(&mem, 0x100000, 0x80))
			touched++;
		free(copy);
	}
	free(log_capture_end(&cap));
	ASSERT_EQ(accepted, 0);
	ASSERT_EQ(touched, 0);
	{
		struct elf_image img;
		char *msg;

		ASSERT_EQ(load(&f, &mem, &img, &msg), 0);
		free(msg);
		ASSERT_TRUE(img.has_pvh);
	}
	guest_mem_free(&mem);
	free(f.data);
}

TEST(elf_refuses_segment_outside_ram)
{
	static const struct {
		uint64_t paddr, memsz;
	} bad[] = {
		{0x3ff000, 0x2000},		 /* crosses the end of RAM */
		{0x400000, 0x1000},		 /* just past it */
		{0x100000, 0x400000},		 /* larger than RAM */
		{0x80000000, 0x1000},		 /* far away */
		{0xfffffffffffff000ull, 0x2000}, /* wraps around */
		{0x100000, UINT64_MAX},		 /* wraps around */
	};

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		const struct seg segs[] = {
			{PT_LOAD, 0x1000, bad[i].paddr, bad[i].paddr, 0x10, bad[i].memsz, 0, NULL},
		};
		struct elf_file f = build(EM_X86_64, bad[i].paddr, segs, 1);

		EXPECT_REFUSED(&f, "outside guest RAM");
		EXPECT_REFUSED(&f, "(4 MiB)");
		free(f.data);
	}
	{
		/* The last page of RAM is fine. */
		const struct seg segs[] = {
			{PT_LOAD, 0x1000, 0x3ff000, 0x3ff000, 0x10, 0x1000, 0x5, NULL},
		};
		struct loaded l;

		if (!LOAD_OK(&l, build(EM_X86_64, 0x3ff000, segs, 1)))
			return;
		ASSERT_EQ(l.img.load_end, MEM_SIZE);
		ASSERT_EQ(byte_at(&l, MEM_SIZE - 1), 0);
		loaded_free(&l);
	}
}

TEST(elf_refuses_overlapping_segments)
{
	static const struct {
		uint64_t a, alen, b, blen;
	} bad[] = {
		{0x200000, 0x2000, 0x201000, 0x2000}, /* partial */
		{0x201000, 0x2000, 0x200000, 0x2000}, /* partial, other order */
		{0x200000, 0x2000, 0x200000, 0x2000}, /* identical */
		{0x200000, 0x4000, 0x201000, 0x1000}, /* contains */
		{0x201000, 0x1000, 0x200000, 0x4000}, /* contained */
		{0x200000, 0x1001, 0x201000, 0x1000}, /* one byte */
	};

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		const struct seg segs[] = {
			{PT_LOAD, 0x1000, bad[i].a, bad[i].a, 0x10, bad[i].alen, 1, NULL},
			{PT_LOAD, 0x2000, bad[i].b, bad[i].b, 0x10, bad[i].blen, 2, NULL},
		};
		EXPECT_SEGS_REFUSED(bad[i].a, segs, "segments 0 and 1 overlap");
	}
	{
		/* bss of one segment running into the next is an overlap too. */
		const struct seg segs[] = {
			{PT_LOAD, 0x1000, 0x200000, 0x200000, 0x10, 0x10, 1, NULL},
			{PT_LOAD, 0x2000, 0x300000, 0x280000, 0x10, 0x1000, 1, NULL},
			{PT_LOAD, 0x3000, 0x210000, 0x210000, 0x100, 0x80000, 2, NULL},
		};

		EXPECT_SEGS_REFUSED(0x200000, segs, "segments 1 and 2 overlap");
	}
	{
		/* Adjacent segments are fine. */
		const struct seg segs[] = {
			{PT_LOAD, 0x1000, 0x200000, 0x200000, 0x10, 0x1000, 1, NULL},
			{PT_LOAD, 0x2000, 0x201000, 0x201000, 0x10, 0x1000, 2, NULL},
		};
		struct loaded l;

		if (!LOAD_OK(&l, build(EM_X86_64, 0x200000, segs, 2)))
			return;
		ASSERT_EQ(byte_at(&l, 0x200fff), 0);
		ASSERT_EQ(byte_at(&l, 0x201000), 2);
		loaded_free(&l);
	}
}

TEST(elf_refuses_reserved_ranges)
{
	static const struct {
		uint64_t paddr, memsz;
		const char *what;
	} bad[] = {
		{0x0, 0x1000, "the low 1 MiB"},
		{0xff000, 0x2000, "the low 1 MiB"},   /* crosses into 1 MiB */
		{0xfffff, 0x1, "the low 1 MiB"},      /* last reserved byte */
		{0x2ff000, 0x1001, "the test hole"},  /* one byte into it */
		{0x300fff, 0x10, "the test hole"},    /* starts on its last byte */
		{0x2f0000, 0x20000, "the test hole"}, /* contains it */
	};

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		const struct seg segs[] = {
			{PT_LOAD, 0x1000, bad[i].paddr, bad[i].paddr, 0x1, bad[i].memsz, 0, NULL},
		};
		struct elf_file f = build(EM_X86_64, bad[i].paddr, segs, 1);

		EXPECT_REFUSED(&f, bad[i].what);
		EXPECT_REFUSED(&f, "segment 0");
		free(f.data);
	}
	{
		/* Right up to and right after a reserved range is fine. */
		const struct seg segs[] = {
			{PT_LOAD, 0x1000, 0x2ff000, 0x2ff000, 0x10, 0x1000, 1, NULL},
			{PT_LOAD, 0x2000, 0x301000, 0x301000, 0x10, 0x1000, 2, NULL},
			{PT_LOAD, 0x3000, 0x100000, 0x100000, 0x10, 0x1000, 3, NULL},
		};
		struct loaded l;

		if (!LOAD_OK(&l, build(EM_X86_64, 0x100000, segs, 3)))
			return;
		ASSERT_TRUE(untouched(&l.mem, 0x300000, 0x1000));
		ASSERT_EQ(l.img.load_start, 0x100000);
		ASSERT_EQ(l.img.load_end, 0x302000);
		loaded_free(&l);
	}
}

TEST(elf_refuses_filesz_above_memsz)
{
	const struct seg segs[] = {
		{PT_LOAD, 0x1000, 0x100000, 0x100000, 0x200, 0x100, 1, NULL},
	};
	EXPECT_SEGS_REFUSED(0x100000, segs, "more file bytes than memory bytes");
}

TEST(elf_refuses_segment_data_outside_file)
{
	const struct seg segs[] = {
		{PT_LOAD, UINT64_MAX - 0x10, 0x100000, 0x100000, 0x100, 0x100, 1, NULL},
	};
	EXPECT_SEGS_REFUSED(0x100000, segs, "truncated");
}

TEST(elf_refuses_no_loadable_segments)
{
	uint8_t notes[32];
	size_t n = note_bytes(notes, 18, 4, 0x100000, "Xen", 4);
	const struct seg only_note[] = {
		{PT_NOTE, 0x800, 0, 0, n, n, 0, notes},
	};
	const struct seg empty_load[] = {
		{PT_LOAD, 0x1000, 0x100000, 0x100000, 0, 0, 0, NULL},
		{PT_NOTE, 0x800, 0, 0, n, n, 0, notes},
	};
	EXPECT_SEGS_REFUSED(0x100000, only_note, "no loadable segments");
	EXPECT_SEGS_REFUSED(0x100000, empty_load, "no loadable segments");
}

TEST(elf_refused_late_leaves_memory_untouched)
{
	/* Segment 0 is valid; something after it is not: nothing may be written. */
	const struct seg later_outside[] = {
		{PT_LOAD, 0x1000, 0x100000, 0x100000, 0x100, 0x1000, 1, NULL},
		{PT_LOAD, 0x2000, 0x500000, 0x500000, 0x100, 0x1000, 2, NULL},
	};
	const struct seg later_reserved[] = {
		{PT_LOAD, 0x1000, 0x100000, 0x100000, 0x100, 0x1000, 1, NULL},
		{PT_LOAD, 0x2000, 0x300000, 0x300000, 0x100, 0x1000, 2, NULL},
	};
	const struct seg later_truncated[] = {
		{PT_LOAD, 0x1000, 0x100000, 0x100000, 0x100, 0x1000, 1, NULL},
		{PT_LOAD, 0x9000, 0x200000, 0x200000, 0x100, 0x1000, 2, NULL},
	};
	struct elf_file f = build(EM_X86_64, 0x100000, later_truncated, 2);

	EXPECT_SEGS_REFUSED(0x100000, later_outside, "segment 1");
	EXPECT_SEGS_REFUSED(0x100000, later_reserved, "segment 1");
	f.size = 0x9080;
	EXPECT_REFUSED(&f, "segment 1");
	free(f.data);
	/* The entry check comes after all segments were validated, before any copy. */
	expect_segs_refused(__FILE__, __LINE__, 0x900000, later_reserved, 1, "entry point");
}

TEST(elf_image_reset_on_failure)
{
	struct elf_file f = kernel();
	struct guest_mem mem;
	struct elf_image img;
	char *msg;

	ASSERT_TRUE(mem_init(&mem));
	memset(&img, 0x5a, sizeof(img));
	f.data[0] = 0;
	ASSERT_EQ(load(&f, &mem, &img, &msg), -ENOEXEC);
	free(msg);
	ASSERT_EQ(img.entry, 0);
	ASSERT_TRUE(!img.has_pvh);
	guest_mem_free(&mem);
	free(f.data);
}

/* Random corruption of headers must never crash, write outside RAM or into reserved
 * ranges. (e_phoff is left alone: see test_known_bugs.c for misaligned headers.) */
TEST(elf_survives_header_corruption)
{
	struct elf_file base = kernel();
	struct log_capture cap;
	struct guest_mem mem;
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	unsigned loaded = 0;

	ASSERT_TRUE(mem_init(&mem));
	log_capture_begin(&cap);
	for (int iter = 0; iter < 3000; iter++) {
		struct elf_file f = {malloc(base.size), base.size};
		struct elf_image img;
		int flips = 1 + iter % 4, err;

		memcpy(f.data, base.data, base.size);
		for (int k = 0; k < flips; k++) {
			unsigned off;

			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			off = (unsigned)(rng >> 33) % (64 + 3 * 56);
			if (off >= 32 && off < 40)
				continue; /* e_phoff */
			f.data[off] ^= (uint8_t)(1u << ((rng >> 20) & 7));
		}
		err = elf_load(f.data, f.size, "fuzz.elf", EM_X86_64, &mem, reserved,
			       ARRAY_SIZE(reserved), &img);
		if (err == 0) {
			loaded++;
			if (img.load_start < 0x100000 || img.load_end > MEM_SIZE ||
			    !untouched(&mem, 0x300000, 0x1000))
				test_fail(__FILE__, __LINE__,
					  "iteration %d loaded to 0x%llx-0x%llx", iter,
					  (unsigned long long)img.load_start,
					  (unsigned long long)img.load_end);
		} else if (err != -ENOEXEC) {
			test_fail(__FILE__, __LINE__, "iteration %d: error %d", iter, err);
		}
		free(f.data);
	}
	free(log_capture_end(&cap));
	ASSERT_TRUE(untouched(&mem, 0, 0x100000));
	ASSERT_TRUE(untouched(&mem, 0x300000, 0x1000));
	/* Some mutants (e.g. flipped p_flags bits) must still load. */
	ASSERT_TRUE(loaded > 0);
	guest_mem_free(&mem);
	free(base.data);
}

TEST(elf_machine_names)
{
	ASSERT_EQ(strcmp(elf_machine_name(EM_X86_64), "x86_64"), 0);
	ASSERT_EQ(strcmp(elf_machine_name(EM_AARCH64), "aarch64"), 0);
	ASSERT_EQ(strcmp(elf_machine_name(EM_386), "i386"), 0);
	ASSERT_EQ(strcmp(elf_machine_name(EM_RISCV), "RISC-V"), 0);
	ASSERT_EQ(strcmp(elf_machine_name(EM_ARM), "32-bit ARM"), 0);
	ASSERT_EQ(strcmp(elf_machine_name(EM_PPC64), "PowerPC64"), 0);
	ASSERT_EQ(strcmp(elf_machine_name(258), "LoongArch"), 0);
	ASSERT_EQ(strcmp(elf_machine_name(EM_NONE), "an unknown machine"), 0);
	ASSERT_EQ(strcmp(elf_machine_name(0xffff), "an unknown machine"), 0);
}

TEST(elf_is_elf_magic)
{
	const uint8_t good[] = {0x7f, 'E', 'L', 'F'};
	const uint8_t bad[] = {0x7f, 'E', 'L', 'f'};

	ASSERT_TRUE(elf_is_elf(good, 4));
	ASSERT_TRUE(!elf_is_elf(good, 3));
	ASSERT_TRUE(!elf_is_elf(good, 0));
	ASSERT_TRUE(!elf_is_elf(bad, 4));
}
