// SPDX-License-Identifier: MIT
/* elf.c: defensive ELF64 loader. Every offset and size read from the file is checked
 * against the file size before use; every target range goes through guest_mem_ptr(). */
#include "loader/elf.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18

bool elf_is_elf(const uint8_t *data, size_t size)
{
	return size >= SELFMAG && !memcmp(data, ELFMAG, SELFMAG);
}

const char *elf_machine_name(unsigned machine)
{
	switch (machine) {
	case EM_X86_64:
		return "x86_64";
	case EM_AARCH64:
		return "aarch64";
	case EM_386:
		return "i386";
	case EM_ARM:
		return "32-bit ARM";
	case EM_RISCV:
		return "RISC-V";
	case EM_PPC64:
		return "PowerPC64";
	case EM_PPC:
		return "PowerPC";
	case EM_S390:
		return "s390";
	case EM_MIPS:
		return "MIPS";
	case EM_SPARCV9:
		return "SPARC64";
	case 258:
		return "LoongArch";
	default:
		return "an unknown machine";
	}
}

/* True if [off, off + len) lies inside a file of @size bytes. */
static bool in_file(uint64_t off, uint64_t len, size_t size)
{
	return off <= size && len <= size - off;
}

static int check_header(const Elf64_Ehdr *eh, size_t size, const char *name, unsigned machine)
{
	const uint8_t *id = eh->e_ident;

	if (id[EI_CLASS] == ELFCLASS32) {
		pr_err("kernel '%s' is a 32-bit ELF file; smolvm loads 64-bit (ELFCLASS64) kernels",
		       name);
		return -ENOEXEC;
	}
	if (id[EI_CLASS] != ELFCLASS64 || id[EI_DATA] != ELFDATA2LSB) {
		pr_err("kernel '%s' is not a little-endian ELF64 file", name);
		return -ENOEXEC;
	}
	if (size < sizeof(*eh)) {
		pr_err("kernel '%s' is truncated: %zu bytes, shorter than an ELF header", name,
		       size);
		return -ENOEXEC;
	}
	if (eh->e_machine != machine) {
		pr_err("kernel '%s' is an ELF file for %s (e_machine %u), not for %s", name,
		       elf_machine_name(eh->e_machine), eh->e_machine, elf_machine_name(machine));
		return -ENOEXEC;
	}
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) {
		pr_err("kernel '%s' is not an executable ELF file (e_type %u)", name, eh->e_type);
		return -ENOEXEC;
	}
	if (eh->e_phnum == 0 || eh->e_phentsize != sizeof(Elf64_Phdr)) {
		pr_err("kernel '%s' has no usable program headers", name);
		return -ENOEXEC;
	}
	if (!in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), size)) {
		pr_err("kernel '%s' is truncated: its program headers end past the file's %zu "
		       "bytes",
		       name, size);
		return -ENOEXEC;
	}
	return 0;
}

/* Looks for the PVH entry note and Linux's own notes in one PT_NOTE segment. */
static void scan_notes(const uint8_t *p, uint64_t len, struct elf_image *out)
{
	while (len >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		uint64_t namesz, descsz, total;

		memcpy(&nh, p, sizeof(nh));
		namesz = (nh.n_namesz + 3ull) & ~3ull;
		descsz = (nh.n_descsz + 3ull) & ~3ull;
		total = sizeof(nh) + namesz + descsz;
		if (total > len)
			return;
		if (nh.n_namesz == 6 && !memcmp(p + sizeof(nh), "Linux", 6))
			out->is_linux = true;
		if (nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY && nh.n_namesz == 4 &&
		    !memcmp(p + sizeof(nh), "Xen", 4) && (nh.n_descsz == 4 || nh.n_descsz == 8)) {
			uint64_t entry = 0;

			memcpy(&entry, p + sizeof(nh) + namesz, nh.n_descsz);
			if (entry <= UINT32_MAX) {
				out->has_pvh = true;
				out->pvh_entry = (uint32_t)entry;
			}
		}
		p += total;
		len -= total;
	}
}

static int check_segment(const Elf64_Phdr *ph, unsigned idx, size_t size, const char *name,
			 struct guest_mem *mem, const struct mem_range *reserved,
			 unsigned nr_reserved)
{
	uint64_t end = ph->p_paddr + ph->p_memsz;

	if (!in_file(ph->p_offset, ph->p_filesz, size)) {
		pr_err("kernel '%s' is truncated: segment %u needs bytes up to %llu, the file has "
		       "%zu",
		       name, idx, (unsigned long long)(ph->p_offset + ph->p_filesz), size);
		return -ENOEXEC;
	}
	if (ph->p_filesz > ph->p_memsz) {
		pr_err("kernel '%s': segment %u has more file bytes than memory bytes", name, idx);
		return -ENOEXEC;
	}
	if (end < ph->p_paddr || !guest_mem_ptr(mem, ph->p_paddr, ph->p_memsz)) {
		pr_err("kernel '%s': segment %u at guest physical 0x%llx-0x%llx lies outside guest "
		       "RAM (%llu MiB); try a larger -m",
		       name, idx, (unsigned long long)ph->p_paddr, (unsigned long long)end,
		       (unsigned long long)(mem->total >> 20));
		return -ENOEXEC;
	}
	for (unsigned r = 0; r < nr_reserved; r++) {
		if (ph->p_paddr < reserved[r].end && reserved[r].start < end) {
			pr_err("kernel '%s': segment %u at 0x%llx-0x%llx overlaps %s "
			       "(0x%llx-0x%llx)",
			       name, idx, (unsigned long long)ph->p_paddr, (unsigned long long)end,
			       reserved[r].what, (unsigned long long)reserved[r].start,
			       (unsigned long long)reserved[r].end);
			return -ENOEXEC;
		}
	}
	return 0;
}

/* True if physical address @pa lies in a PT_LOAD segment. */
static bool in_loaded_segment(const Elf64_Ehdr *eh, const Elf64_Phdr *ph, uint64_t pa)
{
	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && pa - ph[i].p_paddr < ph[i].p_memsz)
			return true;
	return false;
}

/* Every segment at p_paddr, after checking all of them. */
static int load_segments(const uint8_t *data, size_t size, const char *name, const Elf64_Ehdr *ehp,
			 const Elf64_Phdr *ph, struct guest_mem *mem,
			 const struct mem_range *reserved, unsigned nr_reserved,
			 struct elf_image *out)
{
	const Elf64_Ehdr eh = *ehp;
	bool entry_found = false;
	int err;

	out->load_start = UINT64_MAX;
	/* First pass: validate everything, so a bad file leaves guest memory untouched. */
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_NOTE && in_file(ph[i].p_offset, ph[i].p_filesz, size))
			scan_notes(data + ph[i].p_offset, ph[i].p_filesz, out);
		if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
			continue;
		err = check_segment(&ph[i], i, size, name, mem, reserved, nr_reserved);
		if (err)
			return err;
		for (unsigned j = 0; j < i; j++) {
			if (ph[j].p_type != PT_LOAD || ph[j].p_memsz == 0)
				continue;
			if (ph[i].p_paddr < ph[j].p_paddr + ph[j].p_memsz &&
			    ph[j].p_paddr < ph[i].p_paddr + ph[i].p_memsz) {
				pr_err("kernel '%s': segments %u and %u overlap in physical memory",
				       name, j, i);
				return -ENOEXEC;
			}
		}
		if (eh.e_entry - ph[i].p_vaddr < ph[i].p_memsz) {
			out->entry = eh.e_entry - ph[i].p_vaddr + ph[i].p_paddr;
			entry_found = true;
		}
		out->load_start = MIN(out->load_start, ph[i].p_paddr);
		out->load_end = MAX(out->load_end, ph[i].p_paddr + ph[i].p_memsz);
	}
	if (out->load_start == UINT64_MAX) {
		pr_err("kernel '%s' has no loadable segments", name);
		return -ENOEXEC;
	}
	if (out->has_pvh && !in_loaded_segment(&eh, ph, out->pvh_entry)) {
		pr_err("kernel '%s': PVH entry point 0x%x is not inside any loaded segment", name,
		       out->pvh_entry);
		return -ENOEXEC;
	}
	/* vmlinux links its segments at virtual addresses but gives a physical e_entry. */
	if (!entry_found && in_loaded_segment(&eh, ph, eh.e_entry)) {
		out->entry = eh.e_entry;
		entry_found = true;
	}
	if (!entry_found && !out->has_pvh) {
		pr_err("kernel '%s': entry point 0x%llx is not inside any loaded segment", name,
		       (unsigned long long)eh.e_entry);
		return -ENOEXEC;
	}

	for (unsigned i = 0; i < eh.e_phnum; i++) {
		uint8_t *dst;

		if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
			continue;
		dst = guest_mem_ptr(mem, ph[i].p_paddr, ph[i].p_memsz);
		memcpy(dst, data + ph[i].p_offset, ph[i].p_filesz);
		memset(dst + ph[i].p_filesz, 0, ph[i].p_memsz - ph[i].p_filesz);
	}
	return 0;
}

int elf_load(const uint8_t *data, size_t size, const char *name, unsigned machine,
	     struct guest_mem *mem, const struct mem_range *reserved, unsigned nr_reserved,
	     struct elf_image *out)
{
	Elf64_Ehdr eh;
	Elf64_Phdr *ph;
	int err;

	memset(out, 0, sizeof(*out));
	if (!elf_is_elf(data, size)) {
		pr_err("kernel '%s' is not an ELF file", name);
		return -ENOEXEC;
	}
	if (size < EI_NIDENT) {
		pr_err("kernel '%s' is truncated: %zu bytes", name, size);
		return -ENOEXEC;
	}
	memset(&eh, 0, sizeof(eh));
	memcpy(&eh, data, MIN(size, sizeof(eh)));
	err = check_header(&eh, size, name, machine);
	if (err)
		return err;
	/* A copy: e_phoff need not be aligned, so the file's bytes cannot be cast. */
	ph = malloc((size_t)eh.e_phnum * sizeof(*ph));
	if (!ph)
		return -ENOMEM;
	memcpy(ph, data + eh.e_phoff, (size_t)eh.e_phnum * sizeof(*ph));
	err = load_segments(data, size, name, &eh, ph, mem, reserved, nr_reserved, out);
	free(ph);
	return err;
}
