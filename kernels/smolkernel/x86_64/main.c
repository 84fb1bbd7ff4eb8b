/* SPDX-License-Identifier: MIT */
/*
 * smolkernel: reports the CPU state it was entered with over COM1, then
 * exits through the debug-exit port. The output is what smolvm's tests
 * compare against, so the line format is fixed: a 12-column left-aligned
 * name followed by the value.
 */
#include <stdint.h>

#include "cpu.h"
#include "io.h"
#include "uart.h"

#define DEBUG_EXIT_PORT	   0xf4
#define DEBUG_EXIT_SUCCESS 0x10 /* VMM exit status (0x10 << 1) | 1 = 33 */

#define NAME_WIDTH 12

void kmain(void);

static void put_name(const char *name)
{
	unsigned int n;

	for (n = 0; name[n]; n++)
		uart_putc(name[n]);
	for (; n < NAME_WIDTH; n++)
		uart_putc(' ');
}

static void report(const char *name, uint64_t value)
{
	put_name(name);
	uart_puthex(value, 16);
	uart_putc('\n');
}

/*
 * Prints @len bytes of @s without leading and trailing blanks, stopping at
 * the first NUL. Returns the number of characters printed.
 */
static unsigned int put_trimmed(const char *s, unsigned int len)
{
	unsigned int start = 0, end;

	while (start < len && s[start] == ' ')
		start++;
	for (end = start; end < len && s[end]; end++)
		;
	while (end > start && s[end - 1] == ' ')
		end--;
	for (unsigned int i = start; i < end; i++)
		uart_putc(s[i]);
	return end - start;
}

static void report_vendor(void)
{
	union {
		uint32_t w[3];
		char c[12];
	} vendor;
	struct cpuid_regs r;

	cpu_cpuid(0, 0, &r);
	/* The vendor string is stored in EBX, EDX, ECX order. */
	vendor.w[0] = r.ebx;
	vendor.w[1] = r.edx;
	vendor.w[2] = r.ecx;

	put_name("CPU vendor");
	for (unsigned int i = 0; i < sizeof(vendor.c); i++)
		uart_putc(vendor.c[i]);
	uart_putc('\n');
}

static void report_brand(void)
{
	union {
		uint32_t w[12];
		char c[48];
	} brand;
	struct cpuid_regs r;

	put_name("CPU brand");
	cpu_cpuid(0x80000000, 0, &r);
	if (r.eax < 0x80000004) {
		uart_puts("(none)\n");
		return;
	}
	for (unsigned int i = 0; i < 3; i++) {
		cpu_cpuid(0x80000002 + i, 0, &r);
		brand.w[4 * i + 0] = r.eax;
		brand.w[4 * i + 1] = r.ebx;
		brand.w[4 * i + 2] = r.ecx;
		brand.w[4 * i + 3] = r.edx;
	}
	/*
	 * KVM_GET_SUPPORTED_CPUID returns these leaves zeroed; a VMM that does
	 * not fill them in yields an empty brand, also reported as (none).
	 */
	if (!put_trimmed(brand.c, sizeof(brand.c)))
		uart_puts("(none)");
	uart_putc('\n');
}

static void report_cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	cpu_cpuid(leaf, subleaf, &r);
	uart_puts("CPUID ");
	uart_puthex(leaf, 8);
	uart_puts(" eax=");
	uart_puthex(r.eax, 8);
	uart_puts(" ebx=");
	uart_puthex(r.ebx, 8);
	uart_puts(" ecx=");
	uart_puthex(r.ecx, 8);
	uart_puts(" edx=");
	uart_puthex(r.edx, 8);
	uart_putc('\n');
}

void kmain(void)
{
	struct desc_ptr gdtr, idtr;

	uart_puts("smolkernel x86_64: hello from long mode\n");

	report_vendor();
	report_brand();

	report("CR0", cpu_read_cr0());
	report("CR3", cpu_read_cr3());
	report("CR4", cpu_read_cr4());
	report("EFER", cpu_rdmsr(MSR_EFER));

	cpu_sgdt(&gdtr);
	cpu_sidt(&idtr);
	report("GDTR.base", gdtr.base);
	report("GDTR.limit", gdtr.limit);
	report("IDTR.base", idtr.base);
	report("IDTR.limit", idtr.limit);

	report("RFLAGS", cpu_read_rflags());
	report("APIC_BASE", cpu_rdmsr(MSR_IA32_APIC_BASE));

	report_cpuid(0x00000000, 0);
	report_cpuid(0x00000001, 0);
	report_cpuid(0x00000007, 0);
	report_cpuid(0x80000000, 0);
	report_cpuid(0x80000001, 0);
	report_cpuid(0x40000000, 0); /* hypervisor leaf */

	uart_puts("smolkernel x86_64: done\n");
	outl(DEBUG_EXIT_PORT, DEBUG_EXIT_SUCCESS);
	/* Without a debug-exit device we return and start.S halts. */
}
