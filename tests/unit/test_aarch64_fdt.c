// SPDX-License-Identifier: MIT
/* test_aarch64_fdt.c: the generated guest device tree read back with libfdt, node by node
 * and property by property, for several CPU counts and both GIC versions; dtc's opinion
 * when it is installed; buffer limits; --dtb validation and /chosen patching. */
#include <errno.h>
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/aarch64/fdt.h"
#include "log_capture.h"
#include "devices/pl011.h"
#include "platform_fx.h"
#include "test.h"
#include "virtio/virtio_dev.h"

#define BUF_SIZE  0x10000
#define BOOTARGS  "console=ttyAMA0 panic=-1"
#define RAM_BASE  0x40000000ull
#define RAM_SIZE  (256ull << 20)
#define DIST	  0x08000000ull
#define REDIST	  0x080a0000ull
#define GICC	  0x08010000ull
#define UART	  0x09000000ull
#define UART_SPI  1
#define INITRD_LO 0x48000000ull
#define INITRD_HI 0x48123457ull

/* The devices the trees describe, built once: the PL011 at UART (UART_SPI) and @nr_virtio
 * virtio devices in the slots of @layout (NULL: the arch's, 0x0a000000 + 0x200 n, SPI
 * 16 + n). */
static const struct devmgr *devices(struct platform_fx *fx, const struct devmgr_layout *layout,
				    uint64_t uart, unsigned uart_spi, unsigned nr_virtio)
{
	if (devmgr_count(&fx->dm))
		return &fx->dm;
	platform_fx_init(fx, layout);
	if (pl011_amba_add(&fx->dm, uart, uart_spi))
		abort();
	for (unsigned i = 0; i < nr_virtio; i++)
		if (virtio_rng_add(&fx->dm))
			abort();
	return &fx->dm;
}

static struct platform_fx three_virtio, no_virtio, high_virtio;

/* The interrupt of the first device named @name. */
static unsigned irq_of(const struct devmgr *dm, const char *name)
{
	for (unsigned i = 0; i < devmgr_count(dm); i++)
		if (!strcmp(devmgr_device(dm, i)->ops->name, name))
			return devmgr_device(dm, i)->irq.num;
	return ~0u;
}

static struct aarch64_fdt_params params(unsigned nr_cpus, bool v3)
{
	struct aarch64_fdt_params p = {
		.ram_base = RAM_BASE,
		.ram_size = RAM_SIZE,
		.nr_cpus = nr_cpus,
		.gic_v3 = v3,
		.gic_dist_base = DIST,
		.gic_dist_size = 0x10000,
		.gic_redist_base = REDIST,
		.gic_redist_size = 0x20000ull * nr_cpus,
		.gic_cpu_base = GICC,
		.gic_cpu_size = 0x10000,
		.uart_base = UART,
		.devices = devices(&three_virtio, NULL, UART, UART_SPI, 3),
		.bootargs = BOOTARGS,
		.initrd_start = INITRD_LO,
		.initrd_end = INITRD_HI,
	};
	return p;
}

/* Builds into a fresh BUF_SIZE buffer (caller frees); the log goes to *msg if not NULL. */
static void *build(const struct aarch64_fdt_params *p, size_t size, int *err, char **msg)
{
	void *buf = malloc(size ? size : 1);
	struct log_capture c;
	char *m;

	log_capture_begin(&c);
	*err = aarch64_fdt_build(p, buf, size);
	m = log_capture_end(&c);
	if (msg)
		*msg = m;
	else
		free(m);
	return buf;
}

/* Property checks; each reports the caller's line. */
static const void *prop_(const char *file, int line, const void *fdt, const char *path,
			 const char *name, int want_len)
{
	int node = fdt_path_offset(fdt, path), len = -1;
	const void *v;

	if (node < 0) {
		test_fail(file, line, "no node %s: %s", path, fdt_strerror(node));
		return NULL;
	}
	v = fdt_getprop(fdt, node, name, &len);
	if (!v) {
		test_fail(file, line, "%s has no %s", path, name);
		return NULL;
	}
	if (want_len >= 0 && len != want_len) {
		test_fail(file, line, "%s %s: %d bytes, want %d", path, name, len, want_len);
		return NULL;
	}
	return v;
}

static void expect_bytes_(const char *file, int line, const void *fdt, const char *path,
			  const char *name, const void *want, int len)
{
	const void *v = prop_(file, line, fdt, path, name, len);

	if (v && memcmp(v, want, (size_t)len))
		test_fail(file, line, "%s %s: wrong value", path, name);
}

static void expect_cells_(const char *file, int line, const void *fdt, const char *path,
			  const char *name, const uint32_t *cells, unsigned n)
{
	const fdt32_t *v = prop_(file, line, fdt, path, name, (int)(n * 4));

	for (unsigned i = 0; v && i < n; i++)
		if (fdt32_to_cpu(v[i]) != cells[i])
			test_fail(file, line, "%s %s cell %u: 0x%x, want 0x%x", path, name, i,
				  fdt32_to_cpu(v[i]), cells[i]);
}

static void expect_absent_(const char *file, int line, const void *fdt, const char *path,
			   const char *name)
{
	int node = fdt_path_offset(fdt, path);

	if (node < 0)
		test_fail(file, line, "no node %s", path);
	else if (fdt_getprop(fdt, node, name, NULL))
		test_fail(file, line, "%s has %s", path, name);
}

#define EXPECT_STR(fdt, path, name, s)                                                             \
	expect_bytes_(__FILE__, __LINE__, fdt, path, name, s, (int)sizeof(s))
#define EXPECT_CELLS(fdt, path, name, ...)                                                         \
	expect_cells_(__FILE__, __LINE__, fdt, path, name, (const uint32_t[]){__VA_ARGS__},        \
		      sizeof((const uint32_t[]){__VA_ARGS__}) / 4)
#define EXPECT_EMPTY(fdt, path, name)  prop_(__FILE__, __LINE__, fdt, path, name, 0)
#define EXPECT_ABSENT(fdt, path, name) expect_absent_(__FILE__, __LINE__, fdt, path, name)
/* Two cells of a u64: high word first. */
#define HI(x) (uint32_t)((uint64_t)(x) >> 32)
#define LO(x) (uint32_t)(x)

static unsigned count_subnodes(const void *fdt, const char *path)
{
	int node = fdt_path_offset(fdt, path), child;
	unsigned n = 0;

	if (node < 0)
		return 0;
	fdt_for_each_subnode(child, fdt, node) n++;
	return n;
}

static uint32_t phandle_of(const void *fdt, const char *path)
{
	int node = fdt_path_offset(fdt, path);

	return node < 0 ? 0 : fdt_get_phandle(fdt, node);
}

/* Everything aarch64_fdt_build() promises, for @p. */
static void check_tree(const void *fdt, const struct aarch64_fdt_params *p)
{
	uint32_t gic, clk, ppi_flags = 4;
	unsigned nr_virtio = 0;
	char path[64];
	int len;

	ASSERT_EQ(fdt_check_header(fdt), 0);
	ASSERT_EQ(fdt_check_full(fdt, fdt_totalsize(fdt)), 0);
	ASSERT_EQ(fdt_num_mem_rsv(fdt), 0);

	/* Root. */
	EXPECT_STR(fdt, "/", "compatible", "linux,dummy-virt");
	EXPECT_STR(fdt, "/", "model", "smolvm");
	EXPECT_CELLS(fdt, "/", "#address-cells", 2);
	EXPECT_CELLS(fdt, "/", "#size-cells", 2);
	gic = phandle_of(fdt, "/intc@8000000");
	ASSERT_TRUE(gic != 0 && gic != ~0u);
	EXPECT_CELLS(fdt, "/", "interrupt-parent", gic);

	/* Memory. */
	EXPECT_STR(fdt, "/memory@40000000", "device_type", "memory");
	EXPECT_CELLS(fdt, "/memory@40000000", "reg", HI(p->ram_base), LO(p->ram_base),
		     HI(p->ram_size), LO(p->ram_size));

	/* CPUs. */
	EXPECT_CELLS(fdt, "/cpus", "#address-cells", 1);
	EXPECT_CELLS(fdt, "/cpus", "#size-cells", 0);
	ASSERT_EQ(count_subnodes(fdt, "/cpus"), p->nr_cpus);
	for (unsigned id = 0; id < p->nr_cpus; id++) {
		uint32_t mpidr = ((id >> 4) << 8) | (id & 0xf);

		snprintf(path, sizeof(path), "/cpus/cpu@%x", mpidr);
		EXPECT_STR(fdt, path, "device_type", "cpu");
		EXPECT_STR(fdt, path, "compatible", "arm,arm-v8");
		EXPECT_STR(fdt, path, "enable-method", "psci");
		EXPECT_CELLS(fdt, path, "reg", mpidr);
	}

	/* PSCI. */
	EXPECT_STR(fdt, "/psci", "compatible", "arm,psci-1.0\0arm,psci-0.2");
	EXPECT_STR(fdt, "/psci", "method", "hvc");

	/* GIC. */
	if (p->gic_v3) {
		EXPECT_STR(fdt, "/intc@8000000", "compatible", "arm,gic-v3");
		EXPECT_CELLS(fdt, "/intc@8000000", "reg", HI(DIST), LO(DIST), 0, 0x10000,
			     HI(REDIST), LO(REDIST), HI(p->gic_redist_size),
			     LO(p->gic_redist_size));
		EXPECT_CELLS(fdt, "/intc@8000000", "#redistributor-regions", 1);
	} else {
		EXPECT_STR(fdt, "/intc@8000000", "compatible", "arm,cortex-a15-gic");
		EXPECT_CELLS(fdt, "/intc@8000000", "reg", HI(DIST), LO(DIST), 0, 0x10000, HI(GICC),
			     LO(GICC), 0, 0x10000);
		EXPECT_ABSENT(fdt, "/intc@8000000", "#redistributor-regions");
		ppi_flags |= ((1u << (p->nr_cpus > 8 ? 8 : p->nr_cpus)) - 1) << 8;
	}
	EXPECT_CELLS(fdt, "/intc@8000000", "#interrupt-cells", 3);
	EXPECT_EMPTY(fdt, "/intc@8000000", "interrupt-controller");
	EXPECT_CELLS(fdt, "/intc@8000000", "#address-cells", 2);
	EXPECT_CELLS(fdt, "/intc@8000000", "#size-cells", 2);
	EXPECT_EMPTY(fdt, "/intc@8000000", "ranges");
	EXPECT_CELLS(fdt, "/intc@8000000", "phandle", gic);

	/* Timer: secure, non-secure, virtual and hypervisor PPIs. */
	EXPECT_STR(fdt, "/timer", "compatible", "arm,armv8-timer");
	EXPECT_CELLS(fdt, "/timer", "interrupts", 1, 13, ppi_flags, 1, 14, ppi_flags, 1, 11,
		     ppi_flags, 1, 10, ppi_flags);
	EXPECT_EMPTY(fdt, "/timer", "always-on");

	/* The UART's clock. */
	clk = phandle_of(fdt, "/apb-pclk");
	ASSERT_TRUE(clk != 0 && clk != ~0u && clk != gic);
	EXPECT_STR(fdt, "/apb-pclk", "compatible", "fixed-clock");
	EXPECT_CELLS(fdt, "/apb-pclk", "#clock-cells", 0);
	EXPECT_CELLS(fdt, "/apb-pclk", "clock-frequency", 24000000);
	EXPECT_STR(fdt, "/apb-pclk", "clock-output-names", "clk24mhz");

	/* UART. */
	EXPECT_STR(fdt, "/pl011@9000000", "compatible", "arm,pl011\0arm,primecell");
	EXPECT_CELLS(fdt, "/pl011@9000000", "reg", 0, LO(UART), 0, 0x1000);
	EXPECT_CELLS(fdt, "/pl011@9000000", "interrupts", 0, irq_of(p->devices, "pl011"), 4);
	EXPECT_CELLS(fdt, "/pl011@9000000", "clocks", clk, clk);
	EXPECT_STR(fdt, "/pl011@9000000", "clock-names", "uartclk\0apb_pclk");

	/* virtio-mmio devices, level-triggered. */
	for (unsigned i = 0; i < devmgr_count(p->devices); i++) {
		const struct device *d = devmgr_device(p->devices, i);

		if (strcmp(d->ops->name, "virtio-mmio"))
			continue;
		nr_virtio++;
		snprintf(path, sizeof(path), "/virtio_mmio@%llx", (unsigned long long)d->base);
		EXPECT_STR(fdt, path, "compatible", "virtio,mmio");
		EXPECT_CELLS(fdt, path, "reg", HI(d->base), LO(d->base), HI(d->size), LO(d->size));
		EXPECT_CELLS(fdt, path, "interrupts", 0, d->irq.num, 4);
		EXPECT_EMPTY(fdt, path, "dma-coherent");
	}

	/* Chosen and aliases. */
	EXPECT_STR(fdt, "/chosen", "stdout-path", "/pl011@9000000");
	ASSERT_EQ(fdt_path_offset(fdt, "/pl011@9000000"),
		  fdt_path_offset(fdt, fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"),
						   "stdout-path", NULL)));
	EXPECT_STR(fdt, "/aliases", "serial0", "/pl011@9000000");
	if (p->bootargs && p->bootargs[0])
		expect_bytes_(__FILE__, __LINE__, fdt, "/chosen", "bootargs", p->bootargs,
			      (int)strlen(p->bootargs) + 1);
	else
		EXPECT_ABSENT(fdt, "/chosen", "bootargs");
	if (p->initrd_start || p->initrd_end) {
		EXPECT_CELLS(fdt, "/chosen", "linux,initrd-start", HI(p->initrd_start),
			     LO(p->initrd_start));
		EXPECT_CELLS(fdt, "/chosen", "linux,initrd-end", HI(p->initrd_end),
			     LO(p->initrd_end));
	} else {
		EXPECT_ABSENT(fdt, "/chosen", "linux,initrd-start");
		EXPECT_ABSENT(fdt, "/chosen", "linux,initrd-end");
	}
	/* Seeds, when the host had entropy to give (it always does here). */
	ASSERT_TRUE(fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"), "rng-seed", &len));
	ASSERT_EQ(len, 64);
	ASSERT_TRUE(fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"), "kaslr-seed", &len));
	ASSERT_EQ(len, 8);

	/* Nothing else at the top level. */
	ASSERT_EQ(count_subnodes(fdt, "/"), 9 + nr_virtio);
}

TEST(aarch64_fdt_build_cpus_and_gic_versions)
{
	static const unsigned cpus[] = {1, 2, 8, 17};

	for (unsigned i = 0; i < ARRAY_SIZE(cpus); i++) {
		for (int v3 = 0; v3 < 2; v3++) {
			struct aarch64_fdt_params p = params(cpus[i], v3);
			char *msg;
			int err;
			void *fdt = build(&p, BUF_SIZE, &err, &msg);

			ASSERT_EQ(err, 0);
			ASSERT_EQ(msg[0], 0);
			if (!err) {
				/* Packed: the blob is what it uses, not the buffer. */
				ASSERT_TRUE(fdt_totalsize(fdt) < 8192);
				check_tree(fdt, &p);
			}
			free(msg);
			free(fdt);
		}
	}
}

/* A PMU node only when the backend gave the vCPUs a PMU; a PPI like the timer's. */
TEST(aarch64_fdt_pmu_node)
{
	for (int v3 = 0; v3 < 2; v3++) {
		struct aarch64_fdt_params p = params(2, v3);
		int err;
		void *fdt = build(&p, BUF_SIZE, &err, NULL);

		ASSERT_EQ(err, 0);
		ASSERT_TRUE(fdt_path_offset(fdt, "/pmu") < 0);
		free(fdt);
		p.pmu = true;
		p.pmu_ppi = 7;
		fdt = build(&p, BUF_SIZE, &err, NULL);
		ASSERT_EQ(err, 0);
		EXPECT_STR(fdt, "/pmu", "compatible", "arm,armv8-pmuv3");
		EXPECT_CELLS(fdt, "/pmu", "interrupts", 1, 7, v3 ? 4 : 4 | (3u << 8));
		free(fdt);
	}
}

/* More than 16 CPUs spill into Aff1: CPU 16 is cpu@100. */
TEST(aarch64_fdt_cpu_affinity_names)
{
	struct aarch64_fdt_params p = params(40, true);
	int err;
	void *fdt = build(&p, BUF_SIZE, &err, NULL);

	ASSERT_EQ(err, 0);
	EXPECT_CELLS(fdt, "/cpus/cpu@f", "reg", 0xf);
	EXPECT_CELLS(fdt, "/cpus/cpu@100", "reg", 0x100);
	EXPECT_CELLS(fdt, "/cpus/cpu@207", "reg", 0x207);
	ASSERT_TRUE(fdt_path_offset(fdt, "/cpus/cpu@10") < 0);
	ASSERT_EQ(aarch64_fdt_cpu_mpidr(39), 0x207);
	free(fdt);
}

TEST(aarch64_fdt_without_bootargs_initrd_or_virtio)
{
	static const char *const args[] = {NULL, ""};

	for (unsigned i = 0; i < ARRAY_SIZE(args); i++) {
		struct aarch64_fdt_params p = params(2, true);
		int err;
		void *fdt;

		p.bootargs = args[i];
		p.initrd_start = p.initrd_end = 0;
		p.devices = devices(&no_virtio, NULL, UART, UART_SPI, 0);
		fdt = build(&p, BUF_SIZE, &err, NULL);
		ASSERT_EQ(err, 0);
		if (!err)
			check_tree(fdt, &p);
		free(fdt);
	}
}

/* Addresses above 4 GiB use both cells; other UART placements rename its node. */
TEST(aarch64_fdt_high_addresses)
{
	static const unsigned spi40 = 40;
	static const struct devmgr_layout hi = {0x123400000000ull, 0x200, 1, &spi40, 1};
	struct aarch64_fdt_params p = params(1, true);
	int err;
	void *fdt;

	p.ram_base = 0x8000000000ull;
	p.ram_size = 0x100000000ull;
	p.uart_base = 0x1c090000;
	p.devices = devices(&high_virtio, &hi, 0x1c090000, 5, 1);
	p.initrd_start = 0x8080000000ull;
	p.initrd_end = 0x8080001000ull;
	fdt = build(&p, BUF_SIZE, &err, NULL);
	ASSERT_EQ(err, 0);
	EXPECT_CELLS(fdt, "/memory@8000000000", "reg", 0x80, 0, 1, 0);
	EXPECT_CELLS(fdt, "/virtio_mmio@123400000000", "reg", 0x1234, 0, 0, 0x200);
	EXPECT_CELLS(fdt, "/virtio_mmio@123400000000", "interrupts", 0, 40, 4);
	EXPECT_CELLS(fdt, "/pl011@1c090000", "interrupts", 0, 5, 4);
	EXPECT_STR(fdt, "/chosen", "stdout-path", "/pl011@1c090000");
	EXPECT_STR(fdt, "/aliases", "serial0", "/pl011@1c090000");
	EXPECT_CELLS(fdt, "/chosen", "linux,initrd-start", 0x80, 0x80000000);
	free(fdt);
}

TEST(aarch64_fdt_invalid_params)
{
	struct aarch64_fdt_params p;
	char *msg;
	int err;
	void *fdt;

	p = params(0, true);
	fdt = build(&p, BUF_SIZE, &err, &msg);
	ASSERT_EQ(err, -EINVAL);
	ASSERT_STR_CONTAINS(msg, "no CPUs");
	free(msg);
	free(fdt);
	p = params(1, true);
	p.ram_size = 0;
	fdt = build(&p, BUF_SIZE, &err, &msg);
	ASSERT_EQ(err, -EINVAL);
	ASSERT_STR_CONTAINS(msg, "no RAM");
	free(msg);
	free(fdt);
	p = params(1, true);
	p.initrd_end = p.initrd_start - 1;
	fdt = build(&p, BUF_SIZE, &err, &msg);
	ASSERT_EQ(err, -EINVAL);
	ASSERT_STR_CONTAINS(msg, "initrd");
	free(msg);
	free(fdt);
}

/* Every buffer size short of the blob fails with -ENOSPC, without writing past the end
 * (exact-size buffers: ASan would see it). */
TEST(aarch64_fdt_buffer_too_small)
{
	struct aarch64_fdt_params p = params(8, false);
	int err;
	void *ref = build(&p, BUF_SIZE, &err, NULL);
	size_t need = fdt_totalsize(ref);

	ASSERT_EQ(err, 0);
	for (size_t size = 0; size < need; size++) {
		char *msg;
		void *fdt = build(&p, size, &err, &msg);

		if (err != -ENOSPC || !strstr(msg, "does not fit"))
			test_fail(__FILE__, __LINE__, "size %zu of %zu: %d '%s'", size, need, err,
				  msg);
		free(msg);
		free(fdt);
	}
	/* libfdt needs a few bytes of working room over the packed result. */
	{
		void *fdt = build(&p, need + 64, &err, NULL);

		ASSERT_EQ(err, 0);
		if (!err) {
			ASSERT_EQ(fdt_totalsize(fdt), need);
			check_tree(fdt, &p);
		}
		free(fdt);
	}
	free(ref);
}

/* dtc, when installed, decompiles the blob without a warning. */
TEST(aarch64_fdt_dtc_reads_it)
{
	char dtb[] = "/tmp/smolvm-fdt-XXXXXX", cmd[256], dts[8192];
	const char *const needles[] = {"compatible = \"linux,dummy-virt\";",
				       "cpu@1 {",
				       "intc@8000000 {",
				       "interrupt-controller;",
				       "pl011@9000000 {",
				       "virtio_mmio@a000400 {",
				       "bootargs = \"" BOOTARGS "\";",
				       "stdout-path = \"/pl011@9000000\";"};
	struct aarch64_fdt_params p = params(2, true);
	FILE *f;
	size_t n;
	int err, fd, status;
	void *fdt;

	if (system("command -v dtc >/dev/null 2>&1") != 0) {
		printf("     (dtc not installed: skipped)\n");
		return;
	}
	fdt = build(&p, BUF_SIZE, &err, NULL);
	ASSERT_EQ(err, 0);
	fd = mkstemp(dtb);
	ASSERT_TRUE(fd >= 0);
	if (fd < 0 || err) {
		free(fdt);
		return;
	}
	ASSERT_EQ(write(fd, fdt, fdt_totalsize(fdt)), fdt_totalsize(fdt));
	close(fd);
	/* Warnings go to stdout too, so that they fail the comparison below. */
	snprintf(cmd, sizeof(cmd), "dtc -I dtb -O dts %s 2>&1; echo \"exit $?\"", dtb);
	f = popen(cmd, "r");
	ASSERT_TRUE(f != NULL);
	if (f) {
		n = fread(dts, 1, sizeof(dts) - 1, f);
		dts[n] = '\0';
		status = pclose(f);
		ASSERT_EQ(status, 0);
		ASSERT_STR_CONTAINS(dts, "exit 0");
		ASSERT_TRUE(!strstr(dts, "Warning"));
		ASSERT_TRUE(!strstr(dts, "ERROR"));
		for (unsigned i = 0; i < ARRAY_SIZE(needles); i++)
			ASSERT_STR_CONTAINS(dts, needles[i]);
	}
	unlink(dtb);
	free(fdt);
}

static void *validate_copy(const void *src, size_t size, int *err, char **msg)
{
	void *d = malloc(size ? size : 1);
	struct log_capture c;

	memcpy(d, src, size);
	log_capture_begin(&c);
	*err = aarch64_fdt_validate(d, size, "my.dtb");
	*msg = log_capture_end(&c);
	return d;
}

TEST(aarch64_fdt_validate)
{
	struct aarch64_fdt_params p = params(2, true);
	int err;
	void *fdt = build(&p, BUF_SIZE, &err, NULL), *d;
	size_t total = fdt_totalsize(fdt);
	char *msg;

	ASSERT_EQ(err, 0);
	/* Good, also with slack after it (a file padded to a block). */
	d = validate_copy(fdt, total, &err, &msg);
	ASSERT_EQ(err, 0);
	ASSERT_EQ(msg[0], 0);
	free(msg);
	free(d);
	d = validate_copy(fdt, BUF_SIZE, &err, &msg);
	ASSERT_EQ(err, 0);
	free(msg);
	free(d);
	/* Every truncation, in exactly sized buffers. */
	for (size_t size = 0; size < total; size++) {
		d = validate_copy(fdt, size, &err, &msg);
		if (err != -EINVAL || !strstr(msg, "my.dtb") ||
		    !strstr(msg, size < sizeof(struct fdt_header) ? "too small" : "truncated"))
			test_fail(__FILE__, __LINE__, "size %zu: %d '%s'", size, err, msg);
		free(msg);
		free(d);
	}
	/* Bad magic. */
	((uint8_t *)fdt)[0] ^= 0xff;
	d = validate_copy(fdt, total, &err, &msg);
	ASSERT_EQ(err, -EINVAL);
	ASSERT_STR_CONTAINS(msg, "'my.dtb' is not a device tree blob");
	free(msg);
	free(d);
	((uint8_t *)fdt)[0] ^= 0xff;
	/* A structure block pointing outside the blob. */
	fdt_set_off_dt_struct(fdt, total + 8);
	d = validate_copy(fdt, total, &err, &msg);
	ASSERT_EQ(err, -EINVAL);
	ASSERT_STR_CONTAINS(msg, "'my.dtb' is corrupt");
	free(msg);
	free(d);
	free(fdt);
}

/* Over the boot protocol's 2 MiB: refused even though the file holds it all. */
TEST(aarch64_fdt_validate_too_big)
{
	size_t size = AARCH64_FDT_MAX_SIZE + 4096;
	void *big = calloc(1, size);
	struct log_capture c;
	char *msg;

	ASSERT_EQ(fdt_create_empty_tree(big, (int)size), 0);
	log_capture_begin(&c);
	ASSERT_EQ(aarch64_fdt_validate(big, size, "big.dtb"), -EINVAL);
	msg = log_capture_end(&c);
	ASSERT_STR_CONTAINS(msg, "2 MiB");
	free(msg);
	/* The same tree packed is fine. */
	ASSERT_EQ(fdt_pack(big), 0);
	ASSERT_EQ(aarch64_fdt_validate(big, size, "big.dtb"), 0);
	free(big);
}

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint64_t next_rand(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Random corruption: validate() never crashes, and whatever it accepts libfdt can walk. */
TEST(aarch64_fdt_validate_random_mutations)
{
	struct aarch64_fdt_params p = params(2, false);
	int err;
	void *fdt = build(&p, BUF_SIZE, &err, NULL);
	size_t total = fdt_totalsize(fdt);
	unsigned accepted = 0;

	for (unsigned iter = 0; iter < 5000; iter++) {
		uint8_t *d = malloc(total);
		char *msg;
		struct log_capture c;
		int node, depth = 0;

		memcpy(d, fdt, total);
		for (unsigned f = 0, flips = 1 + next_rand() % 4; f < flips; f++) {
			/* Half the time in the header, where the offsets are. */
			size_t at = next_rand() % (next_rand() % 2 ? 40 : total);

			d[at] = (uint8_t)next_rand();
		}
		log_capture_begin(&c);
		err = aarch64_fdt_validate(d, total, "fuzz.dtb");
		msg = log_capture_end(&c);
		if (!err) {
			accepted++;
			for (node = 0; node >= 0; node = fdt_next_node(d, node, &depth)) {
				int prop;

				fdt_for_each_property_offset(prop, d, node)
				{
					const char *name;
					int len;

					ASSERT_TRUE(fdt_getprop_by_offset(d, prop, &name, &len));
				}
			}
		} else {
			ASSERT_STR_CONTAINS(msg, "fuzz.dtb");
		}
		free(msg);
		free(d);
	}
	ASSERT_TRUE(accepted > 0);
	free(fdt);
}

/* A user's blob with no /chosen: smolvm adds it with bootargs and the initrd. */
TEST(aarch64_fdt_patch_chosen_creates_chosen)
{
	uint8_t blob[512], *buf = malloc(BUF_SIZE);
	struct log_capture c;
	char *msg;

	ASSERT_EQ(fdt_create_empty_tree(blob, sizeof(blob)), 0);
	ASSERT_TRUE(fdt_add_subnode(blob, 0, "soc") >= 0);
	ASSERT_EQ(fdt_pack(blob), 0);
	ASSERT_TRUE(fdt_path_offset(blob, "/chosen") < 0);
	log_capture_begin(&c);
	ASSERT_EQ(aarch64_fdt_patch_chosen(blob, buf, BUF_SIZE, BOOTARGS, INITRD_LO, INITRD_HI), 0);
	msg = log_capture_end(&c);
	ASSERT_EQ(msg[0], 0);
	free(msg);
	ASSERT_EQ(aarch64_fdt_validate(buf, BUF_SIZE, "patched"), 0);
	ASSERT_TRUE(fdt_totalsize(buf) < 512); /* packed again */
	EXPECT_STR(buf, "/chosen", "bootargs", BOOTARGS);
	EXPECT_CELLS(buf, "/chosen", "linux,initrd-start", 0, LO(INITRD_LO));
	EXPECT_CELLS(buf, "/chosen", "linux,initrd-end", 0, LO(INITRD_HI));
	ASSERT_TRUE(fdt_path_offset(buf, "/soc") >= 0);
	/* Without bootargs or initrd, /chosen is still created, and empty. */
	ASSERT_EQ(aarch64_fdt_patch_chosen(blob, buf, BUF_SIZE, NULL, 0, 0), 0);
	ASSERT_TRUE(fdt_path_offset(buf, "/chosen") >= 0);
	ASSERT_TRUE(fdt_first_property_offset(buf, fdt_path_offset(buf, "/chosen")) < 0);
	free(buf);
}

/* A blob that has /chosen already: bootargs replaced, stale initrd removed, the rest
 * (stdout-path) kept; NULL or "" bootargs leave the blob's own. */
TEST(aarch64_fdt_patch_chosen_existing)
{
	struct aarch64_fdt_params p = params(1, true);
	int err;
	void *fdt = build(&p, BUF_SIZE, &err, NULL);
	void *buf = malloc(BUF_SIZE), *buf2 = malloc(BUF_SIZE);

	ASSERT_EQ(err, 0);
	ASSERT_EQ(aarch64_fdt_patch_chosen(fdt, buf, BUF_SIZE, "root=/dev/vda", 0, 0), 0);
	EXPECT_STR(buf, "/chosen", "bootargs", "root=/dev/vda");
	EXPECT_STR(buf, "/chosen", "stdout-path", "/pl011@9000000");
	EXPECT_ABSENT(buf, "/chosen", "linux,initrd-start");
	EXPECT_ABSENT(buf, "/chosen", "linux,initrd-end");
	ASSERT_EQ(aarch64_fdt_validate(buf, BUF_SIZE, "patched"), 0);
	/* Patching in place works too (buf is both the blob and the output). */
	ASSERT_EQ(aarch64_fdt_patch_chosen(buf, buf, BUF_SIZE, "", 0x50000000, 0x50001000), 0);
	EXPECT_STR(buf, "/chosen", "bootargs", "root=/dev/vda");
	EXPECT_CELLS(buf, "/chosen", "linux,initrd-start", 0, 0x50000000);
	ASSERT_EQ(aarch64_fdt_patch_chosen(buf, buf2, BUF_SIZE, NULL, 0, 0), 0);
	EXPECT_STR(buf2, "/chosen", "bootargs", "root=/dev/vda");
	EXPECT_ABSENT(buf2, "/chosen", "linux,initrd-start");
	free(buf2);
	free(buf);
	free(fdt);
}

TEST(aarch64_fdt_patch_chosen_errors)
{
	uint8_t blob[256], bad[64] = {0};
	struct log_capture c;
	char *msg;
	void *buf;

	ASSERT_EQ(fdt_create_empty_tree(blob, sizeof(blob)), 0);
	ASSERT_EQ(fdt_pack(blob), 0);
	/* No room for the bootargs. */
	buf = malloc(fdt_totalsize(blob) + 16);
	log_capture_begin(&c);
	ASSERT_EQ(aarch64_fdt_patch_chosen(blob, buf, fdt_totalsize(blob) + 16, BOOTARGS, 0, 0),
		  -ENOSPC);
	msg = log_capture_end(&c);
	ASSERT_STR_CONTAINS(msg, "does not fit");
	free(msg);
	free(buf);
	/* Not a blob. */
	buf = malloc(BUF_SIZE);
	log_capture_begin(&c);
	ASSERT_EQ(aarch64_fdt_patch_chosen(bad, buf, BUF_SIZE, BOOTARGS, 0, 0), -EINVAL);
	msg = log_capture_end(&c);
	ASSERT_STR_CONTAINS(msg, "device tree");
	free(msg);
	free(buf);
}

/* Versions 16 and older: libfdt checks them less (fuzzing found a NULL dereference in
 * fdt_check_full() below 16 and an unchecked property name at 16): refused by version. */
TEST(aarch64_fdt_validate_old_versions)
{
	uint8_t blob[256];
	int err;
	char *msg;
	void *d;

	ASSERT_EQ(fdt_create_empty_tree(blob, sizeof(blob)), 0);
	ASSERT_EQ(fdt_pack(blob), 0);
	for (uint32_t v = 1; v <= 17; v++) {
		fdt_set_version(blob, v);
		fdt_set_last_comp_version(blob, v < 16 ? v : 16);
		d = validate_copy(blob, fdt_totalsize(blob), &err, &msg);
		if (v == 17) {
			ASSERT_EQ(err, 0);
		} else {
			ASSERT_EQ(err, -EINVAL);
			ASSERT_STR_CONTAINS(msg, "'my.dtb' is version");
			ASSERT_STR_CONTAINS(msg, "version 17");
		}
		free(msg);
		free(d);
	}
}

static unsigned count_props(const void *fdt, const char *path, const char *name)
{
	int node = fdt_path_offset(fdt, path), prop;
	unsigned n = 0;

	fdt_for_each_property_offset(prop, fdt, node)
	{
		const char *pname;
		int len;

		if (fdt_getprop_by_offset(fdt, prop, &pname, &len) && !strcmp(pname, name))
			n++;
	}
	return n;
}

/* A /chosen that names a property twice (libfdt lets it through, dtc does not): smolvm
 * replaces every copy, so the kernel cannot pick up a stale second initrd or bootargs. */
TEST(aarch64_fdt_patch_chosen_duplicates)
{
	uint8_t blob[512], *buf = malloc(BUF_SIZE);
	int err;
	char *msg;
	void *d;

	ASSERT_EQ(fdt_create(blob, sizeof(blob)), 0);
	ASSERT_EQ(fdt_finish_reservemap(blob), 0);
	ASSERT_EQ(fdt_begin_node(blob, ""), 0);
	ASSERT_EQ(fdt_begin_node(blob, "chosen"), 0);
	for (unsigned i = 0; i < 2; i++) {
		ASSERT_EQ(fdt_property_string(blob, "bootargs", "stale"), 0);
		ASSERT_EQ(fdt_property_u64(blob, "linux,initrd-start", 0x1000 + i), 0);
		ASSERT_EQ(fdt_property_u64(blob, "linux,initrd-end", 0x2000 + i), 0);
	}
	ASSERT_EQ(fdt_end_node(blob), 0);
	ASSERT_EQ(fdt_end_node(blob), 0);
	ASSERT_EQ(fdt_finish(blob), 0);
	d = validate_copy(blob, fdt_totalsize(blob), &err, &msg);
	ASSERT_EQ(err, 0);
	free(msg);
	free(d);

	ASSERT_EQ(aarch64_fdt_patch_chosen(blob, buf, BUF_SIZE, BOOTARGS, INITRD_LO, INITRD_HI), 0);
	ASSERT_EQ(count_props(buf, "/chosen", "bootargs"), 1);
	ASSERT_EQ(count_props(buf, "/chosen", "linux,initrd-start"), 1);
	ASSERT_EQ(count_props(buf, "/chosen", "linux,initrd-end"), 1);
	EXPECT_STR(buf, "/chosen", "bootargs", BOOTARGS);
	EXPECT_CELLS(buf, "/chosen", "linux,initrd-start", 0, LO(INITRD_LO));
	EXPECT_CELLS(buf, "/chosen", "linux,initrd-end", 0, LO(INITRD_HI));
	/* No initrd: none of the blob's copies survive; no bootargs: the blob's stay. */
	ASSERT_EQ(aarch64_fdt_patch_chosen(blob, buf, BUF_SIZE, NULL, 0, 0), 0);
	ASSERT_EQ(count_props(buf, "/chosen", "linux,initrd-start"), 0);
	ASSERT_EQ(count_props(buf, "/chosen", "linux,initrd-end"), 0);
	ASSERT_EQ(count_props(buf, "/chosen", "bootargs"), 2);
	free(buf);
}
