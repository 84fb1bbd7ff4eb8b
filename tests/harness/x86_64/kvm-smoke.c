/*
 * kvm-smoke: a self-contained check that /dev/kvm works, for the nested
 * harness (tests/harness/x86_64/run-l1.sh runs it inside L1).
 *
 * Creates a VM with 64 KiB of RAM at guest-physical 0 and one vCPU in real
 * mode at 0x1000, running:
 *   - "KVM-OK\n" written byte by byte to port 0x3f8   (port-I/O exits)
 *   - one byte store to linear 0x10000, outside RAM   (an MMIO exit)
 *   - LOOPS writes to port 0x80                        (exit-cost timing)
 *   - hlt                                              (KVM_EXIT_HLT)
 * and checks every exit.  Prints "kvm-smoke: PASS" and exits 0 on success,
 * "kvm-smoke: FAIL <why>" and exits 1 otherwise.
 *
 * Build: gcc -static -O2 -Wall -o kvm-smoke kvm-smoke.c
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MEM_SIZE 0x10000
#define CODE_GPA 0x1000
#define LOOPS 1000

static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("kvm-smoke: FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (errno)
		printf(" (errno %d: %s)", errno, strerror(errno));
	printf("\n");
	exit(1);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static const uint8_t guest_code[] = {
	0xba, 0xf8, 0x03,       /* mov dx, 0x3f8 */
	0xb0, 'K', 0xee,        /* mov al, 'K'; out dx, al */
	0xb0, 'V', 0xee,
	0xb0, 'M', 0xee,
	0xb0, '-', 0xee,
	0xb0, 'O', 0xee,
	0xb0, 'K', 0xee,
	0xb0, '\n', 0xee,
	0xb8, 0x00, 0x10,       /* mov ax, 0x1000 */
	0x8e, 0xd8,             /* mov ds, ax */
	0xc6, 0x06, 0x00, 0x00, 0x5a, /* mov byte [0], 0x5a -> linear 0x10000 */
	0xb9, LOOPS & 0xff, LOOPS >> 8, /* mov cx, LOOPS */
	0xe6, 0x80,             /* l: out 0x80, al */
	0xe2, 0xfc,             /* loop l */
	0xf4,                   /* hlt */
};

int main(void)
{
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	char serial[64];
	size_t nserial = 0;
	int kvm, vm, vcpu, api, run_size, mmio_seen = 0, loop_exits = 0;
	double t0 = 0, t_loop = 0, t_start;
	uint8_t *mem;

	setvbuf(stdout, NULL, _IONBF, 0);
	t_start = now_us();
	errno = 0;
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		fail("open /dev/kvm");
	api = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION)
		fail("KVM_GET_API_VERSION returned %d", api);
	printf("kvm-smoke: KVM API version %d\n", api);

	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		fail("KVM_CREATE_VM");
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		fail("mmap guest memory");
	memcpy(mem + CODE_GPA, guest_code, sizeof(guest_code));
	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = MEM_SIZE,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		fail("KVM_SET_USER_MEMORY_REGION");

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		fail("KVM_CREATE_VCPU");
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (int)sizeof(*run))
		fail("KVM_GET_VCPU_MMAP_SIZE returned %d", run_size);
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		fail("mmap kvm_run");

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		fail("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		fail("KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE_GPA;
	regs.rflags = 0x2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		fail("KVM_SET_REGS");

	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			fail("KVM_RUN");
		switch (run->exit_reason) {
		case KVM_EXIT_IO: {
			uint8_t *data = (uint8_t *)run + run->io.data_offset;

			if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 1)
				fail("unexpected I/O exit: port 0x%x dir %d size %d",
				     run->io.port, run->io.direction, run->io.size);
			if (run->io.port == 0x3f8) {
				if (nserial + 1 >= sizeof(serial))
					fail("too much serial output");
				serial[nserial++] = (char)*data;
			} else if (run->io.port == 0x80) {
				if (loop_exits++ == 0)
					t0 = now_us();
			} else {
				fail("I/O exit on unexpected port 0x%x", run->io.port);
			}
			break;
		}
		case KVM_EXIT_MMIO:
			if (!run->mmio.is_write || run->mmio.phys_addr != 0x10000 ||
			    run->mmio.len != 1 || run->mmio.data[0] != 0x5a)
				fail("unexpected MMIO exit: addr 0x%llx len %u write %u",
				     (unsigned long long)run->mmio.phys_addr,
				     run->mmio.len, run->mmio.is_write);
			mmio_seen++;
			break;
		case KVM_EXIT_HLT:
			t_loop = now_us() - t0;
			serial[nserial] = '\0';
			printf("kvm-smoke: guest wrote \"%.*s\" to port 0x3f8\n",
			       (int)(nserial && serial[nserial - 1] == '\n' ?
				     nserial - 1 : nserial), serial);
			printf("kvm-smoke: %d MMIO exit(s), %d port-0x80 exits, "
			       "%.1f us per port-I/O exit, whole run %.1f ms\n",
			       mmio_seen, loop_exits,
			       loop_exits > 1 ? t_loop / (loop_exits - 1) : 0.0,
			       (now_us() - t_start) / 1e3);
			errno = 0;
			if (strcmp(serial, "KVM-OK\n") != 0)
				fail("wrong serial output");
			if (mmio_seen != 1)
				fail("expected 1 MMIO exit, got %d", mmio_seen);
			if (loop_exits != LOOPS)
				fail("expected %d port-0x80 exits, got %d",
				     LOOPS, loop_exits);
			printf("kvm-smoke: PASS\n");
			return 0;
		case KVM_EXIT_FAIL_ENTRY:
			errno = 0;
			fail("KVM_EXIT_FAIL_ENTRY, reason 0x%llx",
			     (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			errno = 0;
			fail("KVM_EXIT_INTERNAL_ERROR, suberror %u",
			     run->internal.suberror);
			break;
		default:
			errno = 0;
			fail("unexpected exit reason %u", run->exit_reason);
		}
	}
}
