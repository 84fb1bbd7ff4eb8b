// SPDX-License-Identifier: MIT
/* fdt.c: the guest device tree, written with libfdt's sequential-write API. */
#include "arch/aarch64/fdt.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "devmgr.h"
#include "fdt_writer.h"
#include "log.h"

#define PHANDLE_GIC 1
#define PHANDLE_CLK 2

/* Interrupt specifier cells (bindings/interrupt-controller/arm,gic*.yaml). */
#define GIC_SPI		    0
#define GIC_PPI		    1
#define IRQ_TYPE_LEVEL_HIGH 4
#define GIC_CPU_MASK_SHIFT  8 /* GICv2 PPIs: which CPUs the interrupt goes to */

/* Architected timer PPIs, as KVM presents them: secure phys, non-secure phys, virtual,
 * hypervisor phys (the binding's order). */
static const uint32_t timer_ppis[] = {13, 14, 11, 10};

#define SEED_BYTES 64

/* Stops at the first libfdt error; fdt.c reports it once, in fdt_error(). */
#define TRY(expr)                                                                                  \
	do {                                                                                       \
		int err_ = (expr);                                                                 \
		if (err_)                                                                          \
			return err_;                                                               \
	} while (0)

static int prop_cells(void *fdt, const char *name, const uint32_t *cells, unsigned n)
{
	fdt32_t be[16];

	for (unsigned i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	return fdt_property(fdt, name, be, (int)(n * sizeof(be[0])));
}

/* reg = <base size> with #address-cells = #size-cells = 2. */
static int prop_reg(void *fdt, uint64_t base, uint64_t size)
{
	fdt64_t reg[2] = {cpu_to_fdt64(base), cpu_to_fdt64(size)};

	return fdt_property(fdt, "reg", reg, sizeof(reg));
}

/* A string list: @list holds NUL-separated strings, @len counts the last NUL too. */
static int prop_strings(void *fdt, const char *name, const char *list, size_t len)
{
	return fdt_property(fdt, name, list, (int)len);
}

#define PROP_STRINGS(fdt, name, list) prop_strings(fdt, name, list, sizeof(list))

static int begin_node_at(void *fdt, const char *name, uint64_t addr)
{
	char node[64];

	snprintf(node, sizeof(node), "%s@%" PRIx64, name, addr);
	return fdt_begin_node(fdt, node);
}

static int add_memory(void *fdt, const struct aarch64_fdt_params *p)
{
	TRY(begin_node_at(fdt, "memory", p->ram_base));
	TRY(fdt_property_string(fdt, "device_type", "memory"));
	TRY(prop_reg(fdt, p->ram_base, p->ram_size));
	return fdt_end_node(fdt);
}

static int add_cpus(void *fdt, const struct aarch64_fdt_params *p)
{
	TRY(fdt_begin_node(fdt, "cpus"));
	TRY(fdt_property_cell(fdt, "#address-cells", 1));
	TRY(fdt_property_cell(fdt, "#size-cells", 0));
	for (unsigned id = 0; id < p->nr_cpus; id++) {
		uint32_t mpidr = aarch64_fdt_cpu_mpidr(id);

		/* The unit address is the reg value, so CPU 16 is cpu@100. */
		TRY(begin_node_at(fdt, "cpu", mpidr));
		TRY(fdt_property_string(fdt, "device_type", "cpu"));
		TRY(fdt_property_string(fdt, "compatible", "arm,arm-v8"));
		TRY(fdt_property_string(fdt, "enable-method", "psci"));
		TRY(fdt_property_cell(fdt, "reg", mpidr));
		TRY(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

/* PSCI 0.2 and later have standard function IDs: no cpu_on/cpu_off properties. */
static int add_psci(void *fdt)
{
	TRY(fdt_begin_node(fdt, "psci"));
	TRY(PROP_STRINGS(fdt, "compatible", "arm,psci-1.0\0arm,psci-0.2"));
	TRY(fdt_property_string(fdt, "method", "hvc"));
	return fdt_end_node(fdt);
}

static int add_gic(void *fdt, const struct aarch64_fdt_params *p)
{
	uint64_t second_base = p->gic_v3 ? p->gic_redist_base : p->gic_cpu_base;
	uint64_t second_size = p->gic_v3 ? p->gic_redist_size : p->gic_cpu_size;
	fdt64_t reg[4] = {cpu_to_fdt64(p->gic_dist_base), cpu_to_fdt64(p->gic_dist_size),
			  cpu_to_fdt64(second_base), cpu_to_fdt64(second_size)};

	TRY(begin_node_at(fdt, "intc", p->gic_dist_base));
	if (p->gic_v3) {
		TRY(fdt_property_string(fdt, "compatible", "arm,gic-v3"));
		TRY(fdt_property_cell(fdt, "#redistributor-regions", 1));
	} else {
		TRY(fdt_property_string(fdt, "compatible", "arm,cortex-a15-gic"));
	}
	TRY(fdt_property(fdt, "reg", reg, sizeof(reg)));
	TRY(fdt_property_cell(fdt, "#interrupt-cells", 3));
	TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
	/* For child frames (ITS, v2m) a guest may look for; there are none yet. */
	TRY(fdt_property_cell(fdt, "#address-cells", 2));
	TRY(fdt_property_cell(fdt, "#size-cells", 2));
	TRY(fdt_property(fdt, "ranges", NULL, 0));
	TRY(fdt_property_cell(fdt, "phandle", PHANDLE_GIC));
	return fdt_end_node(fdt);
}

/* Flags of a PPI specifier: a GICv2 one names its target CPUs, of which there are at most 8. */
static uint32_t ppi_flags(const struct aarch64_fdt_params *p)
{
	uint32_t flags = IRQ_TYPE_LEVEL_HIGH;

	if (!p->gic_v3)
		flags |= ((1u << MIN(p->nr_cpus, 8u)) - 1) << GIC_CPU_MASK_SHIFT;
	return flags;
}

static int add_timer(void *fdt, const struct aarch64_fdt_params *p)
{
	uint32_t flags = ppi_flags(p), cells[3 * ARRAY_SIZE(timer_ppis)];

	for (unsigned i = 0; i < ARRAY_SIZE(timer_ppis); i++) {
		cells[3 * i] = GIC_PPI;
		cells[3 * i + 1] = timer_ppis[i];
		cells[3 * i + 2] = flags;
	}
	TRY(fdt_begin_node(fdt, "timer"));
	TRY(fdt_property_string(fdt, "compatible", "arm,armv8-timer"));
	TRY(prop_cells(fdt, "interrupts", cells, ARRAY_SIZE(cells)));
	/* The counter keeps running in every power state a guest can enter. */
	TRY(fdt_property(fdt, "always-on", NULL, 0));
	return fdt_end_node(fdt);
}

/* The vCPUs' PMUv3, when the backend gave them one: its overflow interrupt is a PPI. */
static int add_pmu(void *fdt, const struct aarch64_fdt_params *p)
{
	uint32_t cells[3] = {GIC_PPI, p->pmu_ppi, ppi_flags(p)};

	TRY(fdt_begin_node(fdt, "pmu"));
	TRY(fdt_property_string(fdt, "compatible", "arm,armv8-pmuv3"));
	TRY(prop_cells(fdt, "interrupts", cells, ARRAY_SIZE(cells)));
	return fdt_end_node(fdt);
}

/* The PL011's clocks: Linux's AMBA bus needs apb_pclk before it reads the PrimeCell ID. */
static int add_clock(void *fdt)
{
	TRY(fdt_begin_node(fdt, "apb-pclk"));
	TRY(fdt_property_string(fdt, "compatible", "fixed-clock"));
	TRY(fdt_property_cell(fdt, "#clock-cells", 0));
	TRY(fdt_property_cell(fdt, "clock-frequency", 24000000));
	TRY(fdt_property_string(fdt, "clock-output-names", "clk24mhz"));
	TRY(fdt_property_cell(fdt, "phandle", PHANDLE_CLK));
	return fdt_end_node(fdt);
}

static int prop_spi(void *fdt, unsigned spi)
{
	uint32_t cells[3] = {GIC_SPI, spi, IRQ_TYPE_LEVEL_HIGH};

	return prop_cells(fdt, "interrupts", cells, 3);
}

/* What devices write their nodes through (fdt_writer.h). */
static int writer_begin_node(struct fdt_writer *w, const char *name, uint64_t unit_addr)
{
	return begin_node_at(w->fdt, name, unit_addr);
}

static int writer_end_node(struct fdt_writer *w)
{
	return fdt_end_node(w->fdt);
}

static int writer_property(struct fdt_writer *w, const char *name, const void *val, size_t len)
{
	return fdt_property(w->fdt, name, val, (int)len);
}

static int writer_irq(struct fdt_writer *w, unsigned irq)
{
	return prop_spi(w->fdt, irq);
}

static const struct fdt_writer_ops writer_ops = {
	.begin_node = writer_begin_node,
	.end_node = writer_end_node,
	.property = writer_property,
	.irq = writer_irq,
};

/* Every device that describes itself, in the manager's order. */
static int add_devices(void *fdt, const struct devmgr *dm)
{
	struct fdt_writer w = {.ops = &writer_ops, .fdt = fdt, .clock_phandle = PHANDLE_CLK};

	for (unsigned i = 0; dm && i < devmgr_count(dm); i++) {
		const struct device *dev = devmgr_device(dm, i);

		if (dev->ops->fdt_describe)
			TRY(dev->ops->fdt_describe(dev, &w));
	}
	return 0;
}

/* Entropy for the guest's RNG and KASLR before it has drivers; skipped if the host has
 * none to give without blocking. */
static int add_seeds(void *fdt)
{
	uint8_t seed[SEED_BYTES];
	uint64_t kaslr;

	if (getrandom(seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
		TRY(fdt_property(fdt, "rng-seed", seed, sizeof(seed)));
	if (getrandom(&kaslr, sizeof(kaslr), GRND_NONBLOCK) == (ssize_t)sizeof(kaslr))
		TRY(fdt_property_u64(fdt, "kaslr-seed", kaslr));
	return 0;
}

static int add_chosen(void *fdt, const struct aarch64_fdt_params *p, const char *uart_path)
{
	TRY(fdt_begin_node(fdt, "chosen"));
	if (p->bootargs && p->bootargs[0])
		TRY(fdt_property_string(fdt, "bootargs", p->bootargs));
	TRY(fdt_property_string(fdt, "stdout-path", uart_path));
	if (p->initrd_start || p->initrd_end) {
		TRY(fdt_property_u64(fdt, "linux,initrd-start", p->initrd_start));
		TRY(fdt_property_u64(fdt, "linux,initrd-end", p->initrd_end));
	}
	TRY(add_seeds(fdt));
	return fdt_end_node(fdt);
}

/* serial0 keeps the PL011 ttyAMA0 whatever order the kernel probes in. */
static int add_aliases(void *fdt, const char *uart_path)
{
	TRY(fdt_begin_node(fdt, "aliases"));
	TRY(fdt_property_string(fdt, "serial0", uart_path));
	return fdt_end_node(fdt);
}

static int write_tree(void *fdt, const struct aarch64_fdt_params *p)
{
	char uart_path[64];

	snprintf(uart_path, sizeof(uart_path), "/pl011@%" PRIx64, p->uart_base);
	TRY(fdt_finish_reservemap(fdt));
	TRY(fdt_begin_node(fdt, ""));
	TRY(fdt_property_string(fdt, "compatible", "linux,dummy-virt"));
	TRY(fdt_property_string(fdt, "model", "smolvm"));
	TRY(fdt_property_cell(fdt, "#address-cells", 2));
	TRY(fdt_property_cell(fdt, "#size-cells", 2));
	TRY(fdt_property_cell(fdt, "interrupt-parent", PHANDLE_GIC));
	TRY(add_chosen(fdt, p, uart_path));
	TRY(add_aliases(fdt, uart_path));
	TRY(add_memory(fdt, p));
	TRY(add_cpus(fdt, p));
	TRY(add_psci(fdt));
	TRY(add_gic(fdt, p));
	TRY(add_timer(fdt, p));
	if (p->pmu)
		TRY(add_pmu(fdt, p));
	TRY(add_clock(fdt));
	TRY(add_devices(fdt, p->devices));
	TRY(fdt_end_node(fdt));
	return fdt_finish(fdt);
}

/* libfdt sizes buffers in ints. */
static int buf_len(size_t bufsize)
{
	return bufsize > INT_MAX ? INT_MAX : (int)bufsize;
}

/* Maps a libfdt error to an errno, logging it once. */
static int fdt_error(int err, const char *what, size_t bufsize)
{
	if (err == -FDT_ERR_NOSPACE) {
		pr_err("%s does not fit in %zu bytes", what, bufsize);
		return -ENOSPC;
	}
	pr_err("%s: %s", what, fdt_strerror(err));
	return -EINVAL;
}

int aarch64_fdt_build(const struct aarch64_fdt_params *p, void *buf, size_t bufsize)
{
	int err;

	if (!p->nr_cpus || !p->ram_size) {
		pr_err("device tree: no %s", p->nr_cpus ? "RAM" : "CPUs");
		return -EINVAL;
	}
	if (p->initrd_end < p->initrd_start) {
		pr_err("device tree: initrd ends (0x%" PRIx64 ") before it starts (0x%" PRIx64 ")",
		       p->initrd_end, p->initrd_start);
		return -EINVAL;
	}
	err = fdt_create(buf, buf_len(bufsize));
	if (!err)
		err = write_tree(buf, p);
	/* totalsize becomes what the tree uses rather than @bufsize. */
	if (!err)
		err = fdt_pack(buf);
	return err ? fdt_error(err, "the device tree", bufsize) : 0;
}

int aarch64_fdt_validate(const void *blob, size_t size, const char *name)
{
	uint32_t total;
	int err;

	if (size < sizeof(struct fdt_header)) {
		pr_err("device tree '%s' is too small: %zu bytes, less than a header", name, size);
		return -EINVAL;
	}
	if (fdt_magic(blob) != FDT_MAGIC) {
		pr_err("'%s' is not a device tree blob (magic 0x%08x, expected 0x%08x)", name,
		       fdt_magic(blob), FDT_MAGIC);
		return -EINVAL;
	}
	total = fdt_totalsize(blob);
	if (total > size) {
		pr_err("device tree '%s' is truncated: its header says %u bytes, the file has %zu",
		       name, total, size);
		return -EINVAL;
	}
	if (total > AARCH64_FDT_MAX_SIZE) {
		pr_err("device tree '%s' is %u bytes; the arm64 boot protocol allows at most "
		       "2 MiB",
		       name, total);
		return -EINVAL;
	}
	/* dtc writes version 17. libfdt checks older layouts less (a name past the strings
	 * block passes at 16) and its fdt_check_full() dereferences NULL below 16. */
	if (fdt_version(blob) < 17) {
		pr_err("device tree '%s' is version %u; smolvm takes version 17 blobs (what dtc "
		       "writes)",
		       name, fdt_version(blob));
		return -EINVAL;
	}
	err = fdt_check_header(blob);
	if (!err)
		err = fdt_check_full(blob, total);
	if (err) {
		pr_err("device tree '%s' is corrupt: %s", name, fdt_strerror(err));
		return -EINVAL;
	}
	return 0;
}

/* Every copy of property @name of @node: fdt_check_full() lets a node carry one name twice
 * (dtc does not), and setting only the first would leave the kernel a stale second. */
static int delprop_all(void *fdt, int node, const char *name)
{
	int err;

	while (!(err = fdt_delprop(fdt, node, name)))
		;
	return err == -FDT_ERR_NOTFOUND ? 0 : err;
}

static int set_chosen(void *fdt, const char *bootargs, uint64_t initrd_start, uint64_t initrd_end)
{
	int node = fdt_path_offset(fdt, "/chosen");

	if (node == -FDT_ERR_NOTFOUND)
		node = fdt_add_subnode(fdt, 0, "chosen");
	if (node < 0)
		return node;
	if (bootargs && bootargs[0]) {
		TRY(delprop_all(fdt, node, "bootargs"));
		TRY(fdt_setprop_string(fdt, node, "bootargs", bootargs));
	}
	/* An initrd the blob names but smolvm did not load would be garbage to the kernel. */
	TRY(delprop_all(fdt, node, "linux,initrd-start"));
	TRY(delprop_all(fdt, node, "linux,initrd-end"));
	if (initrd_start || initrd_end) {
		TRY(fdt_setprop_u64(fdt, node, "linux,initrd-start", initrd_start));
		TRY(fdt_setprop_u64(fdt, node, "linux,initrd-end", initrd_end));
	}
	return 0;
}

int aarch64_fdt_patch_chosen(const void *blob, void *buf, size_t bufsize, const char *bootargs,
			     uint64_t initrd_start, uint64_t initrd_end)
{
	int err = fdt_check_header(blob);

	if (!err)
		err = fdt_open_into(blob, buf, buf_len(bufsize));
	if (!err)
		err = set_chosen(buf, bootargs, initrd_start, initrd_end);
	if (!err)
		err = fdt_pack(buf);
	return err ? fdt_error(err, "the device tree with smolvm's /chosen", bufsize) : 0;
}
