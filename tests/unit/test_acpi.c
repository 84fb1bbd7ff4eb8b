// SPDX-License-Identifier: MIT
/* test_acpi.c: the ACPI tables read back from guest memory the way a guest's ACPI code
 * walks them (RSDP -> XSDT/RSDT -> FADT -> DSDT, MADT), by the spec's byte offsets rather
 * than smolvm's structs. With iasl installed the tables are also disassembled by it. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/layout.h"
#include "guest_mem.h"
#include "platform_fx.h"
#include "test.h"
#include "virtio/virtio_dev.h"

#define MiB  (1ull << 20)
#define FILL 0xee

/* ACPI 6.x field offsets. */
#define HDR_LEN		 36
#define FADT_DSDT	 40
#define FADT_IAPC_BOOT	 109
#define FADT_FLAGS	 112
#define FADT_RESET_REG	 116
#define FADT_RESET_VALUE 128
#define FADT_MINOR	 131
#define FADT_X_DSDT	 140
#define FADT_SLEEP_CTL	 244
#define FADT_SLEEP_STS	 256
#define FADT_LEN	 276

#define FADT_HW_REDUCED	  (1u << 20)
#define FADT_RESET_SUP	  (1u << 10)
#define ACPI_SPACE_SYS_IO 1

struct acpi_fx {
	struct guest_mem mem;
	uint64_t rsdp;
	struct platform_fx plat; /* the devices the DSDT describes */
};

static bool fx_init(struct acpi_fx *fx, unsigned cpus)
{
	memset(fx, 0, sizeof(*fx));
	platform_fx_init(&fx->plat, NULL);
	if (arch_add_devices(&fx->plat.dm) || guest_mem_add(&fx->mem, 0, 2 * MiB))
		return false;
	memset(fx->mem.regions[0].host, FILL, 2 * MiB);
	return x86_acpi_write_tables(&fx->mem, cpus, &fx->plat.dm, &fx->rsdp) == 0;
}

static void fx_free(struct acpi_fx *fx)
{
	guest_mem_free(&fx->mem);
	platform_fx_free(&fx->plat);
}

static const uint8_t *at(const struct acpi_fx *fx, uint64_t gpa, uint64_t len)
{
	static const uint8_t zeros[4096];
	const uint8_t *p = guest_mem_ptr(&fx->mem, gpa, len);

	if (!p) {
		test_fail(__FILE__, __LINE__, "0x%llx+%llu is not guest RAM",
			  (unsigned long long)gpa, (unsigned long long)len);
		return zeros;
	}
	return p;
}

static uint32_t u16_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t u32_at(const uint8_t *p)
{
	return u16_at(p) | u16_at(p + 2) << 16;
}

static uint64_t u64_at(const uint8_t *p)
{
	return u32_at(p) | (uint64_t)u32_at(p + 4) << 32;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

static bool inside_area(uint64_t gpa, uint64_t len)
{
	return gpa >= X86_ACPI_BASE && len <= X86_ACPI_SIZE &&
	       gpa - X86_ACPI_BASE <= X86_ACPI_SIZE - len;
}

/* The table at @gpa: its signature must be @sig, its length at least a header and inside
 * the ACPI area, and its checksum must add up. Returns its bytes. */
static const uint8_t *table_(const char *file, int line, const struct acpi_fx *fx, uint64_t gpa,
			     const char *sig, uint32_t *len)
{
	const uint8_t *h = at(fx, gpa, HDR_LEN);

	*len = u32_at(h + 4);
	if (memcmp(h, sig, 4))
		test_fail(file, line, "table at 0x%llx is '%.4s', want '%s'",
			  (unsigned long long)gpa, (const char *)h, sig);
	if (*len < HDR_LEN || !inside_area(gpa, *len)) {
		test_fail(file, line, "'%s' at 0x%llx, %u bytes, is outside the ACPI area", sig,
			  (unsigned long long)gpa, *len);
		*len = HDR_LEN;
		return h;
	}
	h = at(fx, gpa, *len);
	if (sum(h, *len) != 0)
		test_fail(file, line, "'%s' checksum: the bytes add up to 0x%02x", sig,
			  sum(h, *len));
	if (memcmp(h + 10, "SMOLVM", 6))
		test_fail(file, line, "'%s' OEM id '%.6s'", sig, (const char *)h + 10);
	return h;
}

#define TABLE(fx, gpa, sig, len) table_(__FILE__, __LINE__, fx, gpa, sig, len)

/* The RSDP; @xsdt/@rsdt get the root tables' addresses. */
static const uint8_t *rsdp(const struct acpi_fx *fx, uint64_t *xsdt, uint64_t *rsdt)
{
	const uint8_t *r = at(fx, fx->rsdp, 36);

	*rsdt = u32_at(r + 16);
	*xsdt = u64_at(r + 24);
	return r;
}

/* The address of the table with signature @sig listed in the XSDT (@entry 8) or RSDT (4). */
static uint64_t find_in_root(const struct acpi_fx *fx, uint64_t root, const char *root_sig,
			     unsigned entry, const char *sig)
{
	uint32_t len;
	const uint8_t *t = TABLE(fx, root, root_sig, &len);

	for (uint32_t off = HDR_LEN; off + entry <= len; off += entry) {
		uint64_t a = entry == 8 ? u64_at(t + off) : u32_at(t + off);

		if (!memcmp(at(fx, a, 4), sig, 4))
			return a;
	}
	test_fail(__FILE__, __LINE__, "'%s' is not listed in the %s", sig, root_sig);
	return 0;
}

static bool all_fill(const struct acpi_fx *fx, uint64_t gpa, uint64_t len)
{
	const uint8_t *p = at(fx, gpa, len);

	for (uint64_t i = 0; i < len; i++)
		if (p[i] != FILL)
			return false;
	return true;
}

static bool contains(const uint8_t *hay, size_t len, const void *needle, size_t n)
{
	for (size_t i = 0; i + n <= len; i++)
		if (!memcmp(hay + i, needle, n))
			return true;
	return false;
}

TEST(acpi_rsdp)
{
	struct acpi_fx fx;
	uint64_t xsdt, rsdt;
	const uint8_t *r;

	ASSERT_TRUE(fx_init(&fx, 1));
	/* Where a legacy guest scans for it: the BIOS area, on a 16-byte boundary. */
	ASSERT_TRUE(fx.rsdp >= 0xe0000 && fx.rsdp + 36 <= 0x100000);
	ASSERT_EQ(fx.rsdp % 16, 0);
	ASSERT_TRUE(inside_area(fx.rsdp, 36));
	r = rsdp(&fx, &xsdt, &rsdt);
	ASSERT_TRUE(!memcmp(r, "RSD PTR ", 8));
	ASSERT_EQ(sum(r, 20), 0);
	ASSERT_EQ(sum(r, 36), 0);
	ASSERT_EQ(r[15], 2); /* revision: ACPI 2.0+ (has the XSDT) */
	ASSERT_EQ(u32_at(r + 20), 36);
	ASSERT_TRUE(!memcmp(r + 9, "SMOLVM", 6));
	ASSERT_TRUE(xsdt != 0 && rsdt != 0 && xsdt != rsdt);
	ASSERT_TRUE(inside_area(xsdt, HDR_LEN) && inside_area(rsdt, HDR_LEN));
	fx_free(&fx);
}

TEST(acpi_root_tables_list_fadt_and_madt)
{
	struct acpi_fx fx;
	uint64_t xsdt, rsdt;
	uint32_t xlen, rlen;
	const uint8_t *x, *r;

	ASSERT_TRUE(fx_init(&fx, 2));
	rsdp(&fx, &xsdt, &rsdt);
	x = TABLE(&fx, xsdt, "XSDT", &xlen);
	r = TABLE(&fx, rsdt, "RSDT", &rlen);
	ASSERT_EQ(xlen, HDR_LEN + 2 * 8);
	ASSERT_EQ(rlen, HDR_LEN + 2 * 4);
	/* Both roots list the same two tables, in the same order. */
	ASSERT_EQ(u64_at(x + HDR_LEN), u32_at(r + HDR_LEN));
	ASSERT_EQ(u64_at(x + HDR_LEN + 8), u32_at(r + HDR_LEN + 4));
	ASSERT_TRUE(!memcmp(at(&fx, u64_at(x + HDR_LEN), 4), "FACP", 4));
	ASSERT_TRUE(!memcmp(at(&fx, u64_at(x + HDR_LEN + 8), 4), "APIC", 4));
	ASSERT_EQ(find_in_root(&fx, rsdt, "RSDT", 4, "FACP"),
		  find_in_root(&fx, xsdt, "XSDT", 8, "FACP"));
	ASSERT_EQ(find_in_root(&fx, rsdt, "RSDT", 4, "APIC"),
		  find_in_root(&fx, xsdt, "XSDT", 8, "APIC"));
	fx_free(&fx);
}

TEST(acpi_fadt_hardware_reduced_power_registers)
{
	struct acpi_fx fx;
	uint64_t xsdt, rsdt, fadt;
	uint32_t len;
	const uint8_t *f;

	ASSERT_TRUE(fx_init(&fx, 1));
	rsdp(&fx, &xsdt, &rsdt);
	fadt = find_in_root(&fx, xsdt, "XSDT", 8, "FACP");
	f = TABLE(&fx, fadt, "FACP", &len);
	ASSERT_EQ(len, FADT_LEN);
	if (len != FADT_LEN)
		goto out;
	ASSERT_EQ(f[8], 6); /* revision */
	ASSERT_TRUE(f[FADT_MINOR] <= 5);
	ASSERT_TRUE(u32_at(f + FADT_FLAGS) & FADT_HW_REDUCED);
	ASSERT_TRUE(u32_at(f + FADT_FLAGS) & FADT_RESET_SUP);
	/* Hardware-reduced: no SCI, no SMI command port, no PM1 blocks. */
	ASSERT_EQ(u16_at(f + 46), 0);
	ASSERT_EQ(u32_at(f + 48), 0);
	ASSERT_EQ(u32_at(f + 64), 0); /* PM1a_CNT_BLK */
	/* Sleep control and status: 8-bit system I/O registers at the PM port and next. */
	ASSERT_EQ(f[FADT_SLEEP_CTL], ACPI_SPACE_SYS_IO);
	ASSERT_EQ(f[FADT_SLEEP_CTL + 1], 8);
	ASSERT_EQ(f[FADT_SLEEP_CTL + 2], 0);
	ASSERT_EQ(u64_at(f + FADT_SLEEP_CTL + 4), X86_ACPI_PM_PORT);
	ASSERT_EQ(f[FADT_SLEEP_STS], ACPI_SPACE_SYS_IO);
	ASSERT_EQ(f[FADT_SLEEP_STS + 1], 8);
	ASSERT_EQ(u64_at(f + FADT_SLEEP_STS + 4), X86_ACPI_PM_PORT + 1);
	/* Reset register: the third port, with its value. */
	ASSERT_EQ(f[FADT_RESET_REG], ACPI_SPACE_SYS_IO);
	ASSERT_EQ(f[FADT_RESET_REG + 1], 8);
	ASSERT_EQ(u64_at(f + FADT_RESET_REG + 4), X86_ACPI_PM_PORT + 2);
	ASSERT_EQ(f[FADT_RESET_VALUE], X86_ACPI_RESET_VALUE);
	/* No VGA, no CMOS RTC (IA-PC boot architecture flags bits 2 and 5). */
	ASSERT_TRUE(u16_at(f + FADT_IAPC_BOOT) & (1u << 2));
	ASSERT_TRUE(u16_at(f + FADT_IAPC_BOOT) & (1u << 5));
	/* The DSDT, through both pointers. */
	ASSERT_TRUE(u64_at(f + FADT_X_DSDT) != 0);
	ASSERT_EQ(u64_at(f + FADT_X_DSDT), u32_at(f + FADT_DSDT));
	ASSERT_TRUE(!memcmp(at(&fx, u64_at(f + FADT_X_DSDT), 4), "DSDT", 4));
	ASSERT_TRUE(!memcmp(f + 268, "SMOLVM", 6)); /* hypervisor vendor identity */
out:
	fx_free(&fx);
}

static const uint8_t *dsdt(const struct acpi_fx *fx, uint64_t *gpa, uint32_t *len)
{
	uint64_t xsdt, rsdt;
	const uint8_t *f;
	uint32_t flen;

	rsdp(fx, &xsdt, &rsdt);
	f = TABLE(fx, find_in_root(fx, xsdt, "XSDT", 8, "FACP"), "FACP", &flen);
	*gpa = u64_at(f + FADT_X_DSDT);
	return TABLE(fx, *gpa, "DSDT", len);
}

TEST(acpi_dsdt_com1_and_s5)
{
	static const uint8_t pnp0501[] = {0x0c, 0x41, 0xd0, 0x05, 0x01}; /* DWordConst EisaId */
	static const uint8_t io_3f8[] = {0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x00, 0x08};
	static const uint8_t irq4[] = {0x22, 0x10, 0x00}; /* IRQNoFlags, mask bit 4 */
	/* Name (_S5_, Package (2) { 5, 5 }) */
	static const uint8_t s5[] = {0x08, '_',	 'S',  '5',  '_',  0x12,
				     0x06, 0x02, 0x0a, 0x05, 0x0a, 0x05};
	struct acpi_fx fx;
	uint64_t gpa;
	uint32_t len;
	const uint8_t *d;

	ASSERT_TRUE(fx_init(&fx, 1));
	d = dsdt(&fx, &gpa, &len);
	ASSERT_TRUE(len > HDR_LEN);
	ASSERT_TRUE(d[8] >= 2); /* revision 2+: 64-bit integers */
	ASSERT_TRUE(contains(d + HDR_LEN, len - HDR_LEN, "_SB_", 4));
	ASSERT_TRUE(contains(d + HDR_LEN, len - HDR_LEN, "\x5b\x82", 2)); /* DeviceOp */
	ASSERT_TRUE(contains(d + HDR_LEN, len - HDR_LEN, "COM1", 4));
	ASSERT_TRUE(contains(d + HDR_LEN, len - HDR_LEN, "_HID", 4));
	ASSERT_TRUE(contains(d + HDR_LEN, len - HDR_LEN, pnp0501, sizeof(pnp0501)));
	ASSERT_TRUE(contains(d + HDR_LEN, len - HDR_LEN, "_CRS", 4));
	ASSERT_TRUE(contains(d + HDR_LEN, len - HDR_LEN, io_3f8, sizeof(io_3f8)));
	ASSERT_TRUE(contains(d + HDR_LEN, len - HDR_LEN, irq4, sizeof(irq4)));
	ASSERT_TRUE(contains(d + HDR_LEN, len - HDR_LEN, s5, sizeof(s5)));
	/* The AML's outermost package lengths account for exactly the table body. */
	ASSERT_EQ(d[HDR_LEN], 0x10); /* ScopeOp */
	ASSERT_EQ(1 + d[HDR_LEN + 1] + sizeof(s5), len - HDR_LEN);
	fx_free(&fx);
}

/* The DSDT body for the x86 platform and two virtio devices, byte for byte as smolvm wrote
 * it before the devices described themselves (and as iasl compiles the ASL above acpi.c's
 * build_dsdt): COM1, VIO0 at 0xd0000000 (IRQ 5), VIO1 at 0xd0001000 (IRQ 6), \_S5. */
TEST(acpi_dsdt_bytes_with_virtio_devices)
{
	static const uint8_t want[] = {
		0x10, 0x4b, 0x0a, 0x5f, 0x53, 0x42, 0x5f, 0x5b, 0x82, 0x2b, 0x43, 0x4f, 0x4d, 0x31,
		0x08, 0x5f, 0x48, 0x49, 0x44, 0x0c, 0x41, 0xd0, 0x05, 0x01, 0x08, 0x5f, 0x55, 0x49,
		0x44, 0x01, 0x08, 0x5f, 0x43, 0x52, 0x53, 0x11, 0x10, 0x0a, 0x0d, 0x47, 0x01, 0xf8,
		0x03, 0xf8, 0x03, 0x00, 0x08, 0x22, 0x10, 0x00, 0x79, 0x00, 0x5b, 0x82, 0x3a, 0x56,
		0x49, 0x4f, 0x30, 0x08, 0x5f, 0x48, 0x49, 0x44, 0x0d, 0x4c, 0x4e, 0x52, 0x4f, 0x30,
		0x30, 0x30, 0x35, 0x00, 0x08, 0x5f, 0x55, 0x49, 0x44, 0x00, 0x08, 0x5f, 0x43, 0x52,
		0x53, 0x11, 0x1a, 0x0a, 0x17, 0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0xd0, 0x00,
		0x02, 0x00, 0x00, 0x89, 0x06, 0x00, 0x01, 0x01, 0x05, 0x00, 0x00, 0x00, 0x79, 0x00,
		0x5b, 0x82, 0x3a, 0x56, 0x49, 0x4f, 0x31, 0x08, 0x5f, 0x48, 0x49, 0x44, 0x0d, 0x4c,
		0x4e, 0x52, 0x4f, 0x30, 0x30, 0x30, 0x35, 0x00, 0x08, 0x5f, 0x55, 0x49, 0x44, 0x01,
		0x08, 0x5f, 0x43, 0x52, 0x53, 0x11, 0x1a, 0x0a, 0x17, 0x86, 0x09, 0x00, 0x01, 0x00,
		0x10, 0x00, 0xd0, 0x00, 0x02, 0x00, 0x00, 0x89, 0x06, 0x00, 0x01, 0x01, 0x06, 0x00,
		0x00, 0x00, 0x79, 0x00, 0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x06, 0x02, 0x0a, 0x05,
		0x0a, 0x05,
	};
	struct acpi_fx fx;
	uint64_t gpa;
	uint32_t len;
	const uint8_t *d;

	memset(&fx, 0, sizeof(fx));
	platform_fx_init(&fx.plat, NULL);
	ASSERT_EQ(arch_add_devices(&fx.plat.dm), 0);
	ASSERT_EQ(virtio_rng_add(&fx.plat.dm), 0);
	ASSERT_EQ(virtio_rng_add(&fx.plat.dm), 0);
	ASSERT_EQ(guest_mem_add(&fx.mem, 0, 2 * MiB), 0);
	ASSERT_EQ(x86_acpi_write_tables(&fx.mem, 1, &fx.plat.dm, &fx.rsdp), 0);
	d = dsdt(&fx, &gpa, &len);
	ASSERT_EQ(len, HDR_LEN + sizeof(want));
	if (len == HDR_LEN + sizeof(want))
		ASSERT_TRUE(!memcmp(d + HDR_LEN, want, sizeof(want)));
	fx_free(&fx);
}

/* Walks the MADT's interrupt controller structures and checks them for @cpus CPUs. */
static void check_madt(unsigned cpus)
{
	struct acpi_fx fx;
	uint64_t xsdt, rsdt, madt;
	uint32_t len, off;
	unsigned lapics = 0, ioapics = 0;
	const uint8_t *m;

	if (!fx_init(&fx, cpus)) {
		test_fail(__FILE__, __LINE__, "%u CPUs: x86_acpi_write_tables failed", cpus);
		fx_free(&fx);
		return;
	}
	rsdp(&fx, &xsdt, &rsdt);
	madt = find_in_root(&fx, xsdt, "XSDT", 8, "APIC");
	m = TABLE(&fx, madt, "APIC", &len);
	if (len != HDR_LEN + 8 + cpus * 8 + 12)
		test_fail(__FILE__, __LINE__, "%u CPUs: MADT is %u bytes", cpus, len);
	ASSERT_TRUE(m[8] >= 3);
	ASSERT_EQ(u32_at(m + HDR_LEN), X86_LAPIC_ADDR);
	for (off = HDR_LEN + 8; off + 2 <= len;) {
		uint8_t type = m[off], elen = m[off + 1];

		if (elen < 2 || off + elen > len) {
			test_fail(__FILE__, __LINE__, "%u CPUs: bad entry at +%u", cpus, off);
			break;
		}
		if (type == 0) { /* Processor Local APIC */
			if (elen != 8 || m[off + 2] != lapics || m[off + 3] != lapics ||
			    u32_at(m + off + 4) != 1)
				test_fail(__FILE__, __LINE__,
					  "%u CPUs: LAPIC %u: len %u uid %u id %u flags %u", cpus,
					  lapics, elen, m[off + 2], m[off + 3],
					  u32_at(m + off + 4));
			lapics++;
		} else if (type == 1) { /* I/O APIC */
			if (elen != 12 || u32_at(m + off + 4) != X86_IOAPIC_ADDR ||
			    u32_at(m + off + 8) != 0)
				test_fail(__FILE__, __LINE__,
					  "%u CPUs: IOAPIC len %u at 0x%x gsi %u", cpus, elen,
					  u32_at(m + off + 4), u32_at(m + off + 8));
			ioapics++;
		} else {
			test_fail(__FILE__, __LINE__, "%u CPUs: unexpected MADT entry type %u",
				  cpus, type);
		}
		off += elen;
	}
	if (off != len)
		test_fail(__FILE__, __LINE__, "%u CPUs: entries end at +%u of %u", cpus, off, len);
	if (lapics != cpus || ioapics != 1)
		test_fail(__FILE__, __LINE__, "%u CPUs: %u LAPICs, %u IOAPICs", cpus, lapics,
			  ioapics);
	fx_free(&fx);
}

TEST(acpi_madt_one_lapic_per_cpu)
{
	static const unsigned counts[] = {1, 2, 8, 255};

	for (unsigned i = 0; i < ARRAY_SIZE(counts); i++)
		check_madt(counts[i]);
}

TEST(acpi_refuses_bad_cpu_counts)
{
	static const unsigned counts[] = {0, 256, 1000};
	struct guest_mem mem = {0};
	uint8_t *p;

	ASSERT_EQ(guest_mem_add(&mem, 0, 2 * MiB), 0);
	p = guest_mem_ptr(&mem, X86_ACPI_BASE, X86_ACPI_SIZE);
	ASSERT_TRUE(p != NULL);
	if (!p)
		return;
	memset(p, FILL, X86_ACPI_SIZE);
	for (unsigned i = 0; i < ARRAY_SIZE(counts); i++) {
		uint64_t rsdp = 0x1234;

		ASSERT_EQ(x86_acpi_write_tables(&mem, counts[i], NULL, &rsdp), -EINVAL);
	}
	/* Nothing was written. */
	for (uint64_t i = 0; i < X86_ACPI_SIZE; i++)
		if (p[i] != FILL) {
			test_fail(__FILE__, __LINE__, "byte 0x%llx written",
				  (unsigned long long)(X86_ACPI_BASE + i));
			break;
		}
	guest_mem_free(&mem);
}

TEST(acpi_needs_ram_at_the_table_area)
{
	struct guest_mem mem = {0};
	uint64_t rsdp;

	/* RAM below the BIOS area only. */
	ASSERT_EQ(guest_mem_add(&mem, 0, 0xa0000), 0);
	ASSERT_TRUE(x86_acpi_write_tables(&mem, 1, NULL, &rsdp) != 0);
	guest_mem_free(&mem);
}

/* Every table lies inside the area, none overlaps another, nothing outside the area was
 * written, and the reset-vector stub at 0xffff0 (written later by boot.c) is left alone. */
TEST(acpi_tables_stay_inside_their_area)
{
	static const unsigned counts[] = {1, 255};

	for (unsigned c = 0; c < ARRAY_SIZE(counts); c++) {
		struct acpi_fx fx;
		uint64_t xsdt, rsdt, start[6], end[6];
		uint32_t len;
		unsigned n = 0;
		const uint8_t *f;

		ASSERT_TRUE(fx_init(&fx, counts[c]));
		rsdp(&fx, &xsdt, &rsdt);
		start[n] = fx.rsdp, end[n++] = fx.rsdp + 36;
		TABLE(&fx, xsdt, "XSDT", &len);
		start[n] = xsdt, end[n++] = xsdt + len;
		TABLE(&fx, rsdt, "RSDT", &len);
		start[n] = rsdt, end[n++] = rsdt + len;
		start[n] = find_in_root(&fx, xsdt, "XSDT", 8, "FACP");
		f = TABLE(&fx, start[n], "FACP", &len);
		end[n] = start[n] + len, n++;
		start[n] = u64_at(f + FADT_X_DSDT);
		TABLE(&fx, start[n], "DSDT", &len);
		end[n] = start[n] + len, n++;
		start[n] = find_in_root(&fx, xsdt, "XSDT", 8, "APIC");
		TABLE(&fx, start[n], "APIC", &len);
		end[n] = start[n] + len, n++;
		for (unsigned i = 0; i < n; i++) {
			ASSERT_TRUE(start[i] >= X86_ACPI_BASE);
			ASSERT_TRUE(end[i] <= X86_RESET_VECTOR);
			for (unsigned j = 0; j < i; j++)
				if (start[i] < end[j] && start[j] < end[i])
					test_fail(__FILE__, __LINE__, "tables %u and %u overlap", i,
						  j);
		}
		ASSERT_TRUE(all_fill(&fx, 0, X86_ACPI_BASE));
		ASSERT_TRUE(all_fill(&fx, X86_ACPI_BASE + X86_ACPI_SIZE, 2 * MiB - 0x100000));
		ASSERT_TRUE(all_fill(&fx, X86_RESET_VECTOR, 16));
		fx_free(&fx);
	}
}

/* iasl -d: the tables disassemble, and the DSDT says what the AML above was meant to. */
static bool have_iasl(void)
{
	return system("command -v iasl >/dev/null 2>&1") == 0;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Writes @len bytes to @dir/@name.aml and returns the text of iasl's disassembly. */
static char *iasl_disassemble(const char *dir, const char *name, const uint8_t *t, uint32_t len)
{
	char aml[256], dsl[256], cmd[600];
	FILE *f;

	snprintf(aml, sizeof(aml), "%s/%s.aml", dir, name);
	snprintf(dsl, sizeof(dsl), "%s/%s.dsl", dir, name);
	f = fopen(aml, "wb");
	if (!f || fwrite(t, 1, len, f) != len) {
		if (f)
			fclose(f);
		return NULL;
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd '%s' && iasl -d '%s' >'%s/%s.log' 2>&1", dir, aml, dir,
		 name);
	if (system(cmd) != 0) {
		test_fail(__FILE__, __LINE__, "iasl -d %s.aml failed", name);
		return NULL;
	}
	return slurp(dsl);
}

/* True if a line of iasl's data-table output has @label followed by ": @value". */
static bool has_field(const char *text, const char *label, const char *value)
{
	for (const char *p = text; (p = strstr(p, label)); p++) {
		const char *q = p + strlen(label), *eol = strchr(p, '\n');

		while (*q == ' ')
			q++;
		if (*q++ != ':')
			continue;
		while (*q == ' ')
			q++;
		if (!strncmp(q, value, strlen(value)) && (!eol || q + strlen(value) <= eol))
			return true;
	}
	return false;
}

#define EXPECT_FIELD(text, label, value)                                                           \
	do {                                                                                       \
		if (!has_field(text, label, value))                                                \
			test_fail(__FILE__, __LINE__, "iasl: no '%s : %s'", label, value);         \
	} while (0)

/* Checks the disassembled DSDT, then compiles it again: the AML must be the same bytes. */
static void check_dsdt_round_trip(const char *dir, const char *text, const uint8_t *t, uint32_t len)
{
	char cmd[600], path[300];
	FILE *f;
	uint8_t buf[1024];
	size_t n;

	ASSERT_STR_CONTAINS(text, "Device (COM1)");
	ASSERT_STR_CONTAINS(text, "EisaId (\"PNP0501\")");
	ASSERT_STR_CONTAINS(text, "IO (Decode16,");
	ASSERT_STR_CONTAINS(text, "0x03F8,             // Range Minimum");
	ASSERT_STR_CONTAINS(text, "0x08,               // Length");
	ASSERT_STR_CONTAINS(text, "IRQNoFlags ()");
	ASSERT_STR_CONTAINS(text, "{4}");
	ASSERT_STR_CONTAINS(text, "Name (_S5, Package (0x02)");
	ASSERT_TRUE(!strstr(text, "Incorrect") && !strstr(text, "Error"));
	snprintf(cmd, sizeof(cmd), "cd '%s' && iasl -p re dsdt.dsl >re.log 2>&1", dir);
	if (system(cmd) != 0) {
		test_fail(__FILE__, __LINE__, "iasl cannot compile its own disassembly");
		return;
	}
	snprintf(path, sizeof(path), "%s/re.aml", dir);
	f = fopen(path, "rb");
	ASSERT_TRUE(f != NULL);
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	/* Same length and body; the header differs only in the compiler id and checksum. */
	ASSERT_EQ(n, len);
	if (n == len && memcmp(buf + HDR_LEN, t + HDR_LEN, len - HDR_LEN))
		test_fail(__FILE__, __LINE__, "recompiled DSDT body differs");
}

TEST(acpi_tables_disassemble_with_iasl)
{
	char dir[] = "/tmp/smolvm-acpi-XXXXXX", cmd[128], val[32];
	struct acpi_fx fx;
	uint64_t gpa, xsdt, rsdt;
	uint32_t len;
	const uint8_t *t;
	char *text;

	if (!have_iasl()) {
		printf("     (iasl not installed: skipping the disassembly check)\n");
		return;
	}
	if (!mkdtemp(dir)) {
		test_fail(__FILE__, __LINE__, "mkdtemp failed");
		return;
	}
	ASSERT_TRUE(fx_init(&fx, 4));
	t = dsdt(&fx, &gpa, &len);
	text = iasl_disassemble(dir, "dsdt", t, len);
	ASSERT_TRUE(text != NULL);
	if (text)
		check_dsdt_round_trip(dir, text, t, len);
	free(text);
	rsdp(&fx, &xsdt, &rsdt);
	t = TABLE(&fx, find_in_root(&fx, xsdt, "XSDT", 8, "APIC"), "APIC", &len);
	text = iasl_disassemble(dir, "apic", t, len);
	ASSERT_TRUE(text != NULL);
	if (text) {
		ASSERT_STR_CONTAINS(text, "[Multiple APIC Description Table (MADT)]");
		EXPECT_FIELD(text, "Local Apic Address", "FEE00000");
		EXPECT_FIELD(text, "Local Apic ID", "03");
		EXPECT_FIELD(text, "Processor Enabled", "1");
		EXPECT_FIELD(text, "Subtable Type", "01 [I/O APIC]");
		EXPECT_FIELD(text, "Address", "FEC00000");
		ASSERT_TRUE(!strstr(text, "Invalid") && !strstr(text, "Incorrect"));
	}
	free(text);
	t = TABLE(&fx, find_in_root(&fx, xsdt, "XSDT", 8, "FACP"), "FACP", &len);
	text = iasl_disassemble(dir, "facp", t, len);
	ASSERT_TRUE(text != NULL);
	if (text) {
		ASSERT_STR_CONTAINS(text, "[Fixed ACPI Description Table (FADT)]");
		EXPECT_FIELD(text, "Hardware Reduced (V5)", "1");
		EXPECT_FIELD(text, "Reset Register Supported (V2)", "1");
		for (unsigned i = 0; i < 3; i++) {
			snprintf(val, sizeof(val), "%016X", X86_ACPI_PM_PORT + i);
			EXPECT_FIELD(text, "Address", val);
		}
		snprintf(val, sizeof(val), "%02X", X86_ACPI_RESET_VALUE);
		EXPECT_FIELD(text, "Value to cause reset", val);
		EXPECT_FIELD(text, "Space ID", "01 [SystemIO]");
		ASSERT_TRUE(!strstr(text, "Invalid") && !strstr(text, "Incorrect"));
	}
	free(text);
	fx_free(&fx);
	if (getenv("SMOLVM_KEEP_ACPI"))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		test_fail(__FILE__, __LINE__, "cannot remove %s", dir);
}
