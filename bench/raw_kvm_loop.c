// SPDX-License-Identifier: MIT
/*
 * raw-kvm-loop GUEST.elf -- the per-exit floor for bench/run.sh.
 *
 * The least a VMM can do to run a PVH test guest: load the ELF64 PT_LOAD
 * segments at p_paddr, find the Xen PHYS32_ENTRY note, enter it in 32-bit
 * protected mode (flat segments set through KVM_SET_SREGS only -- the test
 * guests never reload a segment register, so no GDT lives in guest memory;
 * paging off; EBX = a zeroed page standing in for hvm_start_info), and run a
 * bare KVM_RUN loop whose port-I/O handling is a switch on the port number:
 *   out 0xf4   -> exit with status (value << 1) | 1 (isa-debug-exit)
 *   out 0x3f8  -> append the byte to a buffer written to stdout at exit
 *   in  0x3fd  -> 0x60 (16550 LSR: THR and transmitter empty)
 *   any other  -> nothing (reads return whatever is in the data area)
 * No CPUID/MSR setup, no threads, no signals, no device model. Anything
 * other than a PIO exit ends the program with status 2.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* MAP_ANONYMOUS, O_CLOEXEC under -std=c17 */
#endif
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define PAGE			 4096ull
#define START_INFO_GPA		 0x1000ull /* zeroed page handed to the guest in EBX */
#define MEM_MIN			 (2ull << 20)
#define MEM_MAX			 (1ull << 30)

static char outbuf[1 << 16];
static size_t outlen;

static void flush_out(void)
{
	size_t off = 0;

	while (off < outlen) {
		ssize_t n = write(STDOUT_FILENO, outbuf + off, outlen - off);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		off += (size_t)n;
	}
	outlen = 0;
}

static _Noreturn void die(const char *what)
{
	int err = errno;

	flush_out();
	fprintf(stderr, "raw-kvm-loop: %s: %s\n", what, strerror(err));
	exit(2);
}

static _Noreturn void fail(const char *what)
{
	flush_out();
	fprintf(stderr, "raw-kvm-loop: %s\n", what);
	exit(2);
}

/* Find the PVH entry in a PT_NOTE segment; 0 when there is none. */
static uint32_t pvh_entry(const uint8_t *img, size_t size, const Elf64_Phdr *ph)
{
	if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
		fail("PT_NOTE outside the file");
	const uint8_t *p = img + ph->p_offset, *end = p + ph->p_filesz;
	/* QEMU pads to p_align; the ELF spec (and our guests, p_align 4) to 4. */
	uint64_t align = ph->p_align > 4 ? ph->p_align : 4;

	while ((size_t)(end - p) >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		memcpy(&nh, p, sizeof(nh));
		uint64_t name_off = sizeof(nh);
		uint64_t desc_off = name_off + ((nh.n_namesz + align - 1) & ~(align - 1));
		uint64_t next = desc_off + ((nh.n_descsz + align - 1) & ~(align - 1));
		if (next > (uint64_t)(end - p))
			break;
		if (nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY && nh.n_namesz == 4 &&
		    memcmp(p + name_off, "Xen", 4) == 0 && nh.n_descsz >= 4) {
			uint32_t entry;
			memcpy(&entry, p + desc_off, 4);
			return entry;
		}
		p += next;
	}
	return 0;
}

static void set_seg(struct kvm_segment *s, uint8_t type, uint16_t sel, uint8_t code_or_data)
{
	*s = (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = sel,
		.type = type,
		.present = 1,
		.dpl = 0,
		.db = 1,
		.s = code_or_data,
		.l = 0,
		.g = 1,
	};
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s GUEST.elf\n", argv[0]);
		return 2;
	}

	/* Read the ELF. */
	int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		die(argv[1]);
	size_t size = (size_t)st.st_size;
	if (size < sizeof(Elf64_Ehdr))
		fail("file too small for ELF64");
	uint8_t *img = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (img == MAP_FAILED)
		die("mmap guest file");
	close(fd);

	Elf64_Ehdr eh;
	memcpy(&eh, img, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_machine != EM_X86_64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phoff > size || (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > size - eh.e_phoff)
		fail("not an x86_64 ELF64 file");

	/* First pass: guest memory size and PVH entry. */
	uint64_t mem_size = MEM_MIN;
	uint32_t entry = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD) {
			if (ph.p_filesz > ph.p_memsz || ph.p_offset > size ||
			    ph.p_filesz > size - ph.p_offset || ph.p_paddr > MEM_MAX ||
			    ph.p_memsz > MEM_MAX - ph.p_paddr)
				fail("bad PT_LOAD segment");
			if (ph.p_paddr < START_INFO_GPA + PAGE &&
			    ph.p_paddr + ph.p_memsz > START_INFO_GPA)
				fail("PT_LOAD overlaps the start-info page");
			uint64_t top =
				(ph.p_paddr + ph.p_memsz + (2ull << 20) - 1) & ~((2ull << 20) - 1);
			if (top > mem_size)
				mem_size = top;
		} else if (ph.p_type == PT_NOTE && !entry) {
			entry = pvh_entry(img, size, &ph);
		}
	}
	if (!entry)
		fail("no PVH (Xen PHYS32_ENTRY) note");

	/* Guest memory: anonymous, zero-filled, one slot at GPA 0. */
	uint8_t *mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap guest memory");
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD)
			memcpy(mem + ph.p_paddr, img + ph.p_offset, ph.p_filesz);
	}

	/* VM, memory slot, vCPU. */
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		fail("unexpected KVM API version");
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	(void)ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000ul); /* VMX without unrestricted guest */
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = mem_size,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (int)sizeof(struct kvm_run))
		die("KVM_GET_VCPU_MMAP_SIZE");
	struct kvm_run *run =
		mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");

	/* PVH entry state: 32-bit protected mode, flat segments, paging off. */
	struct kvm_sregs sregs;
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	set_seg(&sregs.cs, 0xb, 0x08, 1); /* execute/read, accessed */
	set_seg(&sregs.ds, 0x3, 0x10, 1); /* read/write, accessed */
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	set_seg(&sregs.tr, 0xb, 0x18, 0); /* busy 32-bit TSS */
	sregs.tr.limit = 0x67;
	sregs.tr.g = 0;
	sregs.tr.db = 0;
	sregs.ldt = (struct kvm_segment){.type = 0x2, .unusable = 1};
	sregs.cr0 = 0x11; /* PE | ET */
	sregs.cr3 = 0;
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS");
	struct kvm_regs regs = {
		.rip = entry,
		.rbx = START_INFO_GPA,
		.rflags = 0x2,
	};
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");

	/* The loop. */
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("KVM_RUN");
		}
		if (run->exit_reason != KVM_EXIT_IO) {
			flush_out();
			fprintf(stderr, "raw-kvm-loop: unexpected exit reason %u\n",
				run->exit_reason);
			return 2;
		}
		uint8_t *data = (uint8_t *)run + run->io.data_offset;
		if (run->io.direction == KVM_EXIT_IO_OUT) {
			switch (run->io.port) {
			case 0xf4: {
				uint32_t v = 0;
				memcpy(&v, data, run->io.size <= 4 ? run->io.size : 4);
				flush_out();
				_exit((int)((v << 1) | 1) & 0xff);
			}
			case 0x3f8:
				for (uint32_t i = 0; i < run->io.count; i++) {
					if (outlen == sizeof(outbuf))
						flush_out();
					outbuf[outlen++] = (char)data[i * run->io.size];
				}
				break;
			default:
				break;
			}
		} else if (run->io.port == 0x3fd) {
			memset(data, 0x60, (size_t)run->io.size * run->io.count);
		}
	}
}
