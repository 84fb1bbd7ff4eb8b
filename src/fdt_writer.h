/* SPDX-License-Identifier: MIT */
/* fdt_writer.h: how a device writes its own device-tree node without knowing the tree's
 * library or the interrupt controller: the arch that builds the tree (arch/aarch64/fdt.c,
 * over libfdt) supplies the ops. Values are converted to the tree's big-endian cells here.
 * Every call returns 0 or the writer's (negative) error. */
#pragma once

#include <endian.h>
#include <stddef.h>
#include <stdint.h>

struct fdt_writer;

struct fdt_writer_ops {
	/* A node "@name@<unit address in hex>" inside the current one. */
	int (*begin_node)(struct fdt_writer *w, const char *name, uint64_t unit_addr);
	int (*end_node)(struct fdt_writer *w);
	int (*property)(struct fdt_writer *w, const char *name, const void *val, size_t len);
	/* interrupts = <the controller's specifier for level-high platform interrupt @irq>. */
	int (*irq)(struct fdt_writer *w, unsigned irq);
};

struct fdt_writer {
	const struct fdt_writer_ops *ops;
	void *fdt;
	uint32_t clock_phandle; /* the platform's fixed APB clock, for AMBA devices */
};

/* Stops at the first error. */
#define FDTW_TRY(expr)                                                                             \
	do {                                                                                       \
		int err_ = (expr);                                                                 \
		if (err_)                                                                          \
			return err_;                                                               \
	} while (0)

static inline int fdtw_begin_node(struct fdt_writer *w, const char *name, uint64_t unit_addr)
{
	return w->ops->begin_node(w, name, unit_addr);
}

static inline int fdtw_end_node(struct fdt_writer *w)
{
	return w->ops->end_node(w);
}

static inline int fdtw_string(struct fdt_writer *w, const char *name, const char *s)
{
	size_t len = 0;

	while (s[len])
		len++;
	return w->ops->property(w, name, s, len + 1);
}

/* A string list: NUL-separated strings, @len counting the last NUL. */
static inline int fdtw_strings(struct fdt_writer *w, const char *name, const char *list, size_t len)
{
	return w->ops->property(w, name, list, len);
}

static inline int fdtw_empty(struct fdt_writer *w, const char *name)
{
	return w->ops->property(w, name, NULL, 0);
}

static inline int fdtw_cells(struct fdt_writer *w, const char *name, const uint32_t *cells,
			     unsigned n)
{
	uint32_t be[16];

	for (unsigned i = 0; i < n && i < 16; i++)
		be[i] = htobe32(cells[i]);
	return w->ops->property(w, name, be, (n < 16 ? n : 16) * sizeof(be[0]));
}

/* reg = <base size> with #address-cells = #size-cells = 2. */
static inline int fdtw_reg(struct fdt_writer *w, uint64_t base, uint64_t size)
{
	uint64_t reg[2] = {htobe64(base), htobe64(size)};

	return w->ops->property(w, "reg", reg, sizeof(reg));
}

static inline int fdtw_irq(struct fdt_writer *w, unsigned irq)
{
	return w->ops->irq(w, irq);
}
