// SPDX-License-Identifier: MIT
/* i8042.c: minimal PS/2 controller: status, a few commands, and reset. */
#include "devices/i8042.h"

#define STATUS_OBF	0x01 /* output buffer full */
#define STATUS_SYS	0x04 /* passed self-test */
#define CMD_READ_CTR	0x20
#define CMD_WRITE_CTR	0x60
#define CMD_SELF_TEST	0xaa
#define CMD_KBD_TEST	0xab
#define CMD_AUX_TEST	0xa9
#define CMD_WRITE_OUT	0xd1 /* next data byte goes to the output port; bit 0 = reset */
#define CMD_PULSE_RESET 0xfe

static void put_output(struct i8042 *kbc, uint8_t byte)
{
	kbc->out = byte;
	kbc->out_full = true;
}

static uint64_t i8042_data_read(void *opaque, uint64_t offset, unsigned size)
{
	struct i8042 *kbc = opaque;

	(void)offset;
	(void)size;
	kbc->out_full = false;
	return kbc->out;
}

static void i8042_data_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct i8042 *kbc = opaque;

	(void)offset;
	(void)size;
	switch (kbc->pending_cmd) {
	case CMD_WRITE_CTR:
		kbc->ctr = (uint8_t)value;
		break;
	case CMD_WRITE_OUT:
		/* Output port bit 0 low holds the CPU in reset. */
		if (!(value & 1))
			vm_stopper_request(kbc->stop, VM_STOP_RESET, 0);
		break;
	default:
		break; /* bytes for the (absent) keyboard are dropped */
	}
	kbc->pending_cmd = 0;
}

static uint64_t i8042_status_read(void *opaque, uint64_t offset, unsigned size)
{
	struct i8042 *kbc = opaque;

	(void)offset;
	(void)size;
	return STATUS_SYS | (kbc->out_full ? STATUS_OBF : 0);
}

static void i8042_cmd_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct i8042 *kbc = opaque;

	(void)offset;
	(void)size;
	switch (value) {
	case CMD_READ_CTR:
		put_output(kbc, kbc->ctr);
		break;
	case CMD_WRITE_CTR:
	case CMD_WRITE_OUT:
		kbc->pending_cmd = (uint8_t)value;
		break;
	case CMD_SELF_TEST:
		put_output(kbc, 0x55);
		break;
	case CMD_KBD_TEST:
	case CMD_AUX_TEST:
		put_output(kbc, 0x00);
		break;
	case CMD_PULSE_RESET:
		vm_stopper_request(kbc->stop, VM_STOP_RESET, 0);
		break;
	default:
		break;
	}
}

static const struct io_ops i8042_data_ops = {
	.read = i8042_data_read,
	.write = i8042_data_write,
	.min_size = 1,
	.max_size = 1,
};

static const struct io_ops i8042_cmd_ops = {
	.read = i8042_status_read,
	.write = i8042_cmd_write,
	.min_size = 1,
	.max_size = 1,
};

void i8042_init(struct i8042 *kbc, const struct vm_stopper *stop, uint64_t data_port,
		uint64_t cmd_port)
{
	kbc->stop = stop;
	kbc->ctr = 0x30; /* keyboard and mouse interfaces disabled, no interrupts */
	kbc->data_region = (struct io_region){
		.name = "i8042-data",
		.base = data_port,
		.len = 1,
		.ops = &i8042_data_ops,
		.opaque = kbc,
	};
	kbc->cmd_region = (struct io_region){
		.name = "i8042-cmd",
		.base = cmd_port,
		.len = 1,
		.ops = &i8042_cmd_ops,
		.opaque = kbc,
	};
}
