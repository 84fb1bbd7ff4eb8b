// SPDX-License-Identifier: MIT
/* test_platform_devices.c: the small x86 platform devices that end the VM: the ACPI
 * sleep/reset registers, the i8042 reset paths and isa-debug-exit. Each is driven through
 * a port bus, as the vCPU loop does, against a VM that is only its stop state. */
#include <errno.h>
#include <stdlib.h>

#include "arch/x86_64/layout.h"
#include "bus.h"
#include "devices/acpi_pm.h"
#include "devices/debug_exit.h"
#include "devices/i8042.h"
#include "log_capture.h"
#include "test.h"
#include "vm_state.h"

#define S5_TYPE 5
#define SLP_EN	0x20

/* A zeroed VM: no stop requested, no vCPU threads to kick. */
static struct vm *new_vm(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	if (vm)
		bus_init(&vm->pio, "port");
	return vm;
}

static void free_vm(struct vm *vm)
{
	if (!vm)
		return;
	bus_destroy(&vm->pio);
	free(vm);
}

static void out8(struct vm *vm, uint16_t port, uint8_t v)
{
	if (bus_access(&vm->pio, port, &v, 1, true) != BUS_OK)
		test_fail(__FILE__, __LINE__, "write to port 0x%x not claimed", port);
}

static uint8_t in8(struct vm *vm, uint16_t port)
{
	uint8_t v = 0;

	if (bus_access(&vm->pio, port, &v, 1, false) != BUS_OK)
		test_fail(__FILE__, __LINE__, "read from port 0x%x not claimed", port);
	return v;
}

/* ACPI power management registers. */

struct pm_fx {
	struct vm *vm;
	struct vm_stopper stop;
	struct acpi_pm pm;
};

static bool pm_init(struct pm_fx *fx)
{
	fx->vm = new_vm();
	if (!fx->vm)
		return false;
	fx->stop = vm_stopper(fx->vm);
	acpi_pm_init(&fx->pm, &fx->stop, X86_ACPI_PM_PORT, S5_TYPE, X86_ACPI_RESET_VALUE);
	return bus_register(&fx->vm->pio, &fx->pm.region) == 0;
}

TEST(acpi_pm_region)
{
	struct pm_fx fx;

	ASSERT_TRUE(pm_init(&fx));
	ASSERT_EQ(fx.pm.region.base, X86_ACPI_PM_PORT);
	ASSERT_EQ(fx.pm.region.len, 3);
	ASSERT_TRUE(bus_find(&fx.vm->pio, X86_ACPI_PM_PORT + 2) == &fx.pm.region);
	ASSERT_TRUE(bus_find(&fx.vm->pio, X86_ACPI_PM_PORT + 3) == NULL);
	free_vm(fx.vm);
}

TEST(acpi_pm_s5_powers_off)
{
	struct pm_fx fx;

	ASSERT_TRUE(pm_init(&fx));
	ASSERT_EQ(vm_stop_requested(fx.vm), VM_STOP_NONE);
	out8(fx.vm, X86_ACPI_PM_PORT, (S5_TYPE << 2) | SLP_EN);
	ASSERT_EQ(vm_stop_requested(fx.vm), VM_STOP_POWEROFF);
	ASSERT_EQ(fx.vm->stop_code, 0);
	/* The first request wins: a later reset does not turn the poweroff into a reboot. */
	out8(fx.vm, X86_ACPI_PM_PORT + 2, X86_ACPI_RESET_VALUE);
	ASSERT_EQ(vm_stop_requested(fx.vm), VM_STOP_POWEROFF);
	free_vm(fx.vm);

	/* Bits outside SLP_TYP and SLP_EN (e.g. the reserved bits) do not matter. */
	ASSERT_TRUE(pm_init(&fx));
	out8(fx.vm, X86_ACPI_PM_PORT, 0x80 | 0x40 | (S5_TYPE << 2) | SLP_EN | 0x3);
	ASSERT_EQ(vm_stop_requested(fx.vm), VM_STOP_POWEROFF);
	free_vm(fx.vm);
}

TEST(acpi_pm_other_sleep_states_do_nothing)
{
	struct pm_fx fx;
	struct log_capture c;
	char *msg;

	ASSERT_TRUE(pm_init(&fx));
	/* The guest is told why (once: the message is rate-limited per call site). */
	log_capture_begin(&c);
	out8(fx.vm, X86_ACPI_PM_PORT, (3 << 2) | SLP_EN);
	msg = log_capture_end(&c);
	ASSERT_STR_CONTAINS(msg, "sleep type 3");
	ASSERT_STR_CONTAINS(msg, "S5");
	free(msg);
	ASSERT_EQ(vm_stop_requested(fx.vm), VM_STOP_NONE);
	log_capture_begin(&c);
	for (unsigned type = 0; type < 8; type++) {
		if (type == S5_TYPE)
			continue;
		out8(fx.vm, X86_ACPI_PM_PORT, (uint8_t)((type << 2) | SLP_EN));
		if (vm_stop_requested(fx.vm) != VM_STOP_NONE)
			test_fail(__FILE__, __LINE__, "sleep type %u stopped the VM", type);
	}
	/* S5's type without SLP_EN only sets up the transition. */
	out8(fx.vm, X86_ACPI_PM_PORT, S5_TYPE << 2);
	ASSERT_EQ(vm_stop_requested(fx.vm), VM_STOP_NONE);
	/* The status and reset registers ignore the sleep command. */
	out8(fx.vm, X86_ACPI_PM_PORT + 1, (S5_TYPE << 2) | SLP_EN);
	ASSERT_EQ(vm_stop_requested(fx.vm), VM_STOP_NONE);
	free(log_capture_end(&c));
	/* And it still works afterwards. */
	out8(fx.vm, X86_ACPI_PM_PORT, (S5_TYPE << 2) | SLP_EN);
	ASSERT_EQ(vm_stop_requested(fx.vm), VM_STOP_POWEROFF);
	free_vm(fx.vm);
}

TEST(acpi_pm_reset_register)
{
	struct pm_fx fx;

	ASSERT_TRUE(pm_init(&fx));
	for (unsigned v = 0; v < 256; v++) {
		if (v == X86_ACPI_RESET_VALUE)
			continue;
		out8(fx.vm, X86_ACPI_PM_PORT + 2, (uint8_t)v);
		if (vm_stop_requested(fx.vm) != VM_STOP_NONE) {
			test_fail(__FILE__, __LINE__, "reset register value 0x%x stopped the VM",
				  v);
			break;
		}
	}
	/* The reset value written elsewhere is no reset. */
	out8(fx.vm, X86_ACPI_PM_PORT, X86_ACPI_RESET_VALUE & ~SLP_EN);
	ASSERT_EQ(vm_stop_requested(fx.vm), VM_STOP_NONE);
	out8(fx.vm, X86_ACPI_PM_PORT + 2, X86_ACPI_RESET_VALUE);
	ASSERT_EQ(vm_stop_requested(fx.vm), VM_STOP_RESET);
	ASSERT_EQ(fx.vm->stop_code, 0);
	free_vm(fx.vm);
}

TEST(acpi_pm_reads)
{
	struct pm_fx fx;
	uint8_t w[2] = {0x12, 0x34};

	ASSERT_TRUE(pm_init(&fx));
	/* Sleep status reports WAK_STS, so a guest polling after a failed sleep moves on. */
	ASSERT_EQ(in8(fx.vm, X86_ACPI_PM_PORT + 1), 0x80);
	ASSERT_EQ(in8(fx.vm, X86_ACPI_PM_PORT), 0);
	ASSERT_EQ(in8(fx.vm, X86_ACPI_PM_PORT + 2), 0);
	/* Byte-wide registers only. */
	ASSERT_EQ(bus_access(&fx.vm->pio, X86_ACPI_PM_PORT, w, 2, true), BUS_BAD_SIZE);
	ASSERT_EQ(vm_stop_requested(fx.vm), VM_STOP_NONE);
	free_vm(fx.vm);
}

/* i8042. */

struct kbc_fx {
	struct vm *vm;
	struct vm_stopper stop;
	struct i8042 kbc;
};

#define DATA X86_I8042_DATA_PORT
#define CMD  X86_I8042_CMD_PORT
#define OBF  0x01
#define SYS  0x04

static bool kbc_init(struct kbc_fx *fx)
{
	fx->vm = new_vm();
	if (!fx->vm)
		return false;
	fx->stop = vm_stopper(fx->vm);
	i8042_init(&fx->kbc, &fx->stop, DATA, CMD);
	return bus_register(&fx->vm->pio, &fx->kbc.data_region) == 0 &&
	       bus_register(&fx->vm->pio, &fx->kbc.cmd_region) == 0;
}

TEST(i8042_status_and_self_test)
{
	struct kbc_fx fx;

	ASSERT_TRUE(kbc_init(&fx));
	ASSERT_TRUE(bus_find(&fx.vm->pio, 0x61) == NULL); /* the PC speaker port is not ours */
	ASSERT_EQ(in8(fx.vm, CMD), SYS);		  /* passed POST, nothing to read */
	out8(fx.vm, CMD, 0xaa);				  /* controller self-test */
	ASSERT_EQ(in8(fx.vm, CMD), SYS | OBF);
	ASSERT_EQ(in8(fx.vm, CMD), SYS | OBF); /* reading the status does not consume */
	ASSERT_EQ(in8(fx.vm, DATA), 0x55);
	ASSERT_EQ(in8(fx.vm, CMD), SYS);
	/* Interface tests pass too. */
	out8(fx.vm, CMD, 0xab);
	ASSERT_EQ(in8(fx.vm, CMD), SYS | OBF);
	ASSERT_EQ(in8(fx.vm, DATA), 0x00);
	out8(fx.vm, CMD, 0xa9);
	ASSERT_EQ(in8(fx.vm, DATA), 0x00);
	ASSERT_EQ(in8(fx.vm, CMD), SYS);
	ASSERT_EQ(vm_stop_requested(fx.vm), VM_STOP_NONE);
	free_vm(fx.vm);
}

TEST(i8042_controller_configuration_byte)
{
	struct kbc_fx fx;

	ASSERT_TRUE(kbc_init(&fx));
	out8(fx.vm, CMD, 0x20);
	ASSERT_EQ(in8(fx.vm, CMD), SYS | OBF);
	ASSERT_EQ(in8(fx.vm, DATA), 0x30); /* both ports disabled, no interrupts */
	out8(fx.vm, CMD, 0x60);
	ASSERT_EQ(in8(fx.vm, CMD), SYS); /* a write command puts nothing in the buffer */
	out8(fx.vm, DATA, 0x47);
	out8(fx.vm, CMD, 0x20);
	ASSERT_EQ(in8(fx.vm, DATA), 0x47);
	/* A data byte with no command pending goes to the (absent) keyboard. */
	out8(fx.vm, DATA, 0x11);
	out8(fx.vm, CMD, 0x20);
	ASSERT_EQ(in8(fx.vm, DATA), 0x47);
	ASSERT_EQ(vm_stop_requested(fx.vm), VM_STOP_NONE);
	free_vm(fx.vm);
}

TEST(i8042_pulse_reset_line)
{
	struct kbc_fx fx;

	ASSERT_TRUE(kbc_init(&fx));
	out8(fx.vm, CMD, 0xfe);
	ASSERT_EQ(vm_stop_requested(fx.vm), VM_STOP_RESET);
	ASSERT_EQ(fx.vm->stop_code, 0);
	free_vm(fx.vm);

	/* 0xfe on the data port is a keyboard byte (resend), not the reset command. */
	ASSERT_TRUE(kbc_init(&fx));
	out8(fx.vm, DATA, 0xfe);
	ASSERT_EQ(vm_stop_requested(fx.vm), VM_STOP_NONE);
	free_vm(fx.vm);
}

TEST(i8042_output_port_reset_bit)
{
	struct kbc_fx fx;

	/* Output port bit 0 low holds the CPU in reset. */
	ASSERT_TRUE(kbc_init(&fx));
	out8(fx.vm, CMD, 0xd1);
	ASSERT_EQ(vm_stop_requested(fx.vm), VM_STOP_NONE);
	out8(fx.vm, DATA, 0xfe);
	ASSERT_EQ(vm_stop_requested(fx.vm), VM_STOP_RESET);
	free_vm(fx.vm);

	ASSERT_TRUE(kbc_init(&fx));
	out8(fx.vm, CMD, 0xd1);
	out8(fx.vm, DATA, 0xff); /* A20 and reset lines high: a normal write */
	ASSERT_EQ(vm_stop_requested(fx.vm), VM_STOP_NONE);
	out8(fx.vm, CMD, 0xd1);
	out8(fx.vm, DATA, 0x01);
	ASSERT_EQ(vm_stop_requested(fx.vm), VM_STOP_NONE);
	/* The command applies to one data byte only. */
	out8(fx.vm, DATA, 0x00);
	ASSERT_EQ(vm_stop_requested(fx.vm), VM_STOP_NONE);
	/* Nor does a CTR write reset, whatever its bit 0. */
	out8(fx.vm, CMD, 0x60);
	out8(fx.vm, DATA, 0x00);
	ASSERT_EQ(vm_stop_requested(fx.vm), VM_STOP_NONE);
	out8(fx.vm, CMD, 0x20);
	ASSERT_EQ(in8(fx.vm, DATA), 0x00);
	free_vm(fx.vm);
}

/* isa-debug-exit. */

TEST(debug_exit_write_sizes)
{
	static const struct {
		unsigned size;
		uint64_t value;
	} cases[] = {{1, 0x2a}, {2, 0x1234}, {4, 0x89abcdef}, {1, 0}, {4, 0xff}};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct vm *vm = new_vm();
		struct vm_stopper stop;
		struct debug_exit dev;
		uint8_t buf[8];

		ASSERT_TRUE(vm != NULL);
		if (!vm)
			return;
		stop = vm_stopper(vm);
		debug_exit_init(&dev, &stop, X86_DEBUG_EXIT_PORT);
		ASSERT_EQ(dev.region.base, X86_DEBUG_EXIT_PORT);
		ASSERT_EQ(bus_register(&vm->pio, &dev.region), 0);
		memcpy(buf, &cases[i].value, sizeof(buf));
		ASSERT_EQ(bus_access(&vm->pio, X86_DEBUG_EXIT_PORT, buf, cases[i].size, true),
			  BUS_OK);
		ASSERT_EQ(vm_stop_requested(vm), VM_STOP_DEBUG_EXIT);
		ASSERT_EQ(vm->stop_code, cases[i].value);
		/* Only the first write counts. */
		buf[0] = 0x77;
		ASSERT_EQ(bus_access(&vm->pio, X86_DEBUG_EXIT_PORT, buf, 1, true), BUS_OK);
		ASSERT_EQ(vm->stop_code, cases[i].value);
		free_vm(vm);
	}
}

TEST(debug_exit_reads_and_bad_sizes)
{
	struct vm *vm = new_vm();
	struct vm_stopper stop;
	struct debug_exit dev;
	uint8_t buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	ASSERT_TRUE(vm != NULL);
	if (!vm)
		return;
	stop = vm_stopper(vm);
	debug_exit_init(&dev, &stop, X86_DEBUG_EXIT_PORT);
	ASSERT_EQ(bus_register(&vm->pio, &dev.region), 0);
	/* Reads return 0 and stop nothing. */
	ASSERT_EQ(bus_access(&vm->pio, X86_DEBUG_EXIT_PORT, buf, 4, false), BUS_OK);
	ASSERT_EQ(buf[0] | buf[1] | buf[2] | buf[3], 0);
	/* An 8-byte write is not an I/O port access size the device takes. */
	ASSERT_EQ(bus_access(&vm->pio, X86_DEBUG_EXIT_PORT, buf, 8, true), BUS_BAD_SIZE);
	ASSERT_EQ(vm_stop_requested(vm), VM_STOP_NONE);
	free_vm(vm);
}

TEST(debug_exit_status_mapping)
{
	static const struct {
		uint64_t value;
		int status;
	} cases[] = {
		{0x00, 0x01}, {0x10, 0x21},  {0x2a, 0x55},
		{0x7f, 0xff}, {0x80, 0x01}, /* bit 7 shifts out of the 8-bit exit status */
		{0x81, 0x03}, {0x100, 0x01}, {0xffffffff, 0xff},
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++)
		if (debug_exit_status(cases[i].value) != cases[i].status)
			test_fail(__FILE__, __LINE__, "status for 0x%llx is %d, want %d",
				  (unsigned long long)cases[i].value,
				  debug_exit_status(cases[i].value), cases[i].status);
}
