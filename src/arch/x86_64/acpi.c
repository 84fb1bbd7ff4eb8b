// SPDX-License-Identifier: MIT
/* acpi.c: ACPI tables (ACPI 6.x). Hardware-reduced: no PM1 blocks, SCI or legacy PIC; the
 * guest powers off through the FADT sleep control register and reboots through the reset
 * register, both I/O ports served by devices/acpi_pm.c. The MADT lists the CPUs for SMP. */
#include "arch/x86_64/acpi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aml.h"
#include "arch/x86_64/layout.h"
#include "devmgr.h"

struct __attribute__((packed)) acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem_id[6], oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
};

struct __attribute__((packed)) acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address, length;
	uint64_t xsdt_address;
	uint8_t extended_checksum, reserved[3];
};

/* Generic Address Structure. */
struct __attribute__((packed)) acpi_gas {
	uint8_t space_id, bit_width, bit_offset, access_size;
	uint64_t address;
};

struct __attribute__((packed)) acpi_fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl, dsdt;
	uint8_t reserved0, preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm_blocks[8]; /* PM1a/b event and control, PM2, PM timer, GPE0/1: none */
	uint8_t block_lens[8];
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl, x_dsdt;
	struct acpi_gas x_pm_blocks[8];
	struct acpi_gas sleep_control, sleep_status;
	uint64_t hypervisor_vendor;
};
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT is 276 bytes in ACPI 6");

struct __attribute__((packed)) madt_lapic {
	uint8_t type, length, processor_id, apic_id;
	uint32_t flags;
};

struct __attribute__((packed)) madt_ioapic {
	uint8_t type, length, ioapic_id, reserved;
	uint32_t address, gsi_base;
};

#define ACPI_SPACE_IO		  1
#define FADT_F_RESET_REG_SUP	  (1u << 10)
#define FADT_F_HW_REDUCED_ACPI	  (1u << 20)
#define FADT_BOOT_VGA_NOT_PRESENT (1u << 2)
#define FADT_BOOT_NO_CMOS_RTC	  (1u << 5)
#define MADT_LAPIC_ENABLED	  1u

/* The DSDT: every device that describes itself (devmgr.h), in the manager's order, e.g.
 *	Scope (\_SB) {
 *		Device (COM1) { ... }	(arch/x86_64/platform.c)
 *		Device (VIO0) { ... }	(virtio/virtio_dev.c)
 *	}
 *	Name (_S5, Package () { 0x05, 0x05 })
 * Devices must be described: with hardware-reduced ACPI Linux has no legacy PIC and maps an
 * IRQ only for devices ACPI lists (so virtio_mmio.device= on the command line would find no
 * IRQ). _S5 gives the sleep type Linux writes to power off. */
static const uint8_t aml_s5[] = {
	0x08, '_',  'S',  '5',	'_', 0x12, 0x06, 0x02, /* _S5 Package (2) */
	0x0a, 0x05, 0x0a, 0x05,
};

/* The DSDT's AML body (after the table header). */
static void build_dsdt(struct aml *a, const struct devmgr *dm)
{
	size_t scope;

	a->len = 0;
	scope = aml_scope_begin(a, "_SB_");
	for (unsigned i = 0; dm && i < devmgr_count(dm); i++) {
		const struct device *dev = devmgr_device(dm, i);

		if (dev->ops->acpi_describe)
			dev->ops->acpi_describe(dev, a);
	}
	aml_package_end(a, scope);
	aml_bytes(a, aml_s5, sizeof(aml_s5));
}

static uint8_t checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return (uint8_t)-sum;
}

static void fill_header(struct acpi_header *h, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, "SMOLVM", 6);
	memcpy(h->oem_table_id, "SMOLVMXX", 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, "SMOL", 4);
	h->creator_revision = 1;
	h->checksum = 0;
	h->checksum = checksum(h, len);
}

static struct acpi_gas io_reg(uint16_t port)
{
	return (struct acpi_gas){
		.space_id = ACPI_SPACE_IO, .bit_width = 8, .access_size = 1, .address = port};
}

/* Carves @len bytes (16-byte aligned) out of the table area. */
static void *table_alloc(struct guest_mem *mem, uint64_t *next, size_t len, uint64_t *gpa)
{
	void *p;

	*gpa = (*next + 15) & ~15ull;
	if (*gpa + len > X86_ACPI_BASE + X86_ACPI_SIZE)
		return NULL;
	p = guest_mem_ptr(mem, *gpa, len);
	if (p)
		memset(p, 0, len);
	*next = *gpa + len;
	return p;
}

static int write_fadt(struct guest_mem *mem, uint64_t *next, uint64_t dsdt, uint64_t *gpa)
{
	struct acpi_fadt *f = table_alloc(mem, next, sizeof(*f), gpa);

	if (!f)
		return -ENOSPC;
	f->dsdt = (uint32_t)dsdt;
	f->x_dsdt = dsdt;
	f->flags = FADT_F_HW_REDUCED_ACPI | FADT_F_RESET_REG_SUP;
	f->iapc_boot_arch = FADT_BOOT_VGA_NOT_PRESENT | FADT_BOOT_NO_CMOS_RTC;
	f->reset_reg = io_reg(X86_ACPI_PM_PORT + 2);
	f->reset_value = X86_ACPI_RESET_VALUE;
	f->sleep_control = io_reg(X86_ACPI_PM_PORT);
	f->sleep_status = io_reg(X86_ACPI_PM_PORT + 1);
	f->minor_version = 3;
	memcpy(&f->hypervisor_vendor, "SMOLVM\0\0", 8);
	fill_header(&f->h, "FACP", sizeof(*f), 6);
	return 0;
}

static int write_madt(struct guest_mem *mem, uint64_t *next, unsigned nr_cpus, uint64_t *gpa)
{
	size_t len = sizeof(struct acpi_header) + 8 + nr_cpus * sizeof(struct madt_lapic) +
		     sizeof(struct madt_ioapic);
	uint8_t *t = table_alloc(mem, next, len, gpa);
	struct madt_ioapic io = {1, sizeof(io), 0, 0, (uint32_t)X86_IOAPIC_ADDR, 0};
	uint32_t lapic_addr = (uint32_t)X86_LAPIC_ADDR;
	uint8_t *p;

	if (!t)
		return -ENOSPC;
	p = t + sizeof(struct acpi_header);
	memcpy(p, &lapic_addr, 4); /* flags (the next 4 bytes) stay 0: no legacy 8259 */
	p += 8;
	for (unsigned i = 0; i < nr_cpus; i++) {
		struct madt_lapic l = {0, sizeof(l), (uint8_t)i, (uint8_t)i, MADT_LAPIC_ENABLED};

		memcpy(p, &l, sizeof(l));
		p += sizeof(l);
	}
	memcpy(p, &io, sizeof(io));
	fill_header((struct acpi_header *)t, "APIC", (uint32_t)len, 5);
	return 0;
}

int x86_acpi_write_tables(struct guest_mem *mem, unsigned nr_cpus, const struct devmgr *dm,
			  uint64_t *rsdp_gpa)
{
	struct aml *dsdt_body;
	uint64_t next = X86_ACPI_BASE, dsdt, fadt, madt, xsdt_gpa, rsdt_gpa;
	struct acpi_rsdp *rsdp;
	struct acpi_header *h;
	uint8_t *x;
	int err;

	if (nr_cpus == 0 || nr_cpus > 255)
		return -EINVAL;
	dsdt_body = malloc(sizeof(*dsdt_body));
	if (!dsdt_body)
		return -ENOMEM;
	build_dsdt(dsdt_body, dm);
	rsdp = table_alloc(mem, &next, sizeof(*rsdp), rsdp_gpa);
	h = table_alloc(mem, &next, sizeof(*h) + dsdt_body->len, &dsdt);
	if (!rsdp || !h || aml_overflowed(dsdt_body)) {
		free(dsdt_body);
		return -ENOSPC;
	}
	memcpy(h + 1, dsdt_body->buf, dsdt_body->len);
	fill_header(h, "DSDT", (uint32_t)(sizeof(*h) + dsdt_body->len), 2);
	free(dsdt_body);
	err = write_fadt(mem, &next, dsdt, &fadt);
	if (!err)
		err = write_madt(mem, &next, nr_cpus, &madt);
	if (err)
		return err;

	x = table_alloc(mem, &next, sizeof(*h) + 2 * 8, &xsdt_gpa);
	if (!x)
		return -ENOSPC;
	memcpy(x + sizeof(*h), &fadt, 8);
	memcpy(x + sizeof(*h) + 8, &madt, 8);
	fill_header((struct acpi_header *)x, "XSDT", sizeof(*h) + 2 * 8, 1);
	x = table_alloc(mem, &next, sizeof(*h) + 2 * 4, &rsdt_gpa);
	if (!x)
		return -ENOSPC;
	uint32_t fadt32 = (uint32_t)fadt, madt32 = (uint32_t)madt;
	memcpy(x + sizeof(*h), &fadt32, 4);
	memcpy(x + sizeof(*h) + 4, &madt32, 4);
	fill_header((struct acpi_header *)x, "RSDT", sizeof(*h) + 2 * 4, 1);

	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, "SMOLVM", 6);
	rsdp->revision = 2;
	rsdp->rsdt_address = (uint32_t)rsdt_gpa;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_address = xsdt_gpa;
	rsdp->checksum = checksum(rsdp, 20);
	rsdp->extended_checksum = checksum(rsdp, sizeof(*rsdp));
	return 0;
}
