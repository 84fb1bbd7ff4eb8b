// SPDX-License-Identifier: MIT
/* fuzz_virtio_mmio.c: virtio-mmio register sequences (src/virtio/virtio_mmio.c) against
 * virtio-blk, -net, -rng and -console: the input is a program of register reads and
 * writes, whole bring-ups, device resets, queue re-setups (with or without disabling the
 * queue first) while requests are in flight, descriptor and avail-ring edits, raw guest
 * memory edits, well-formed requests, notifies, frames from the network, console input
 * and short waits for the device's worker.
 *
 * Input: device u8 (0 blk, 1 net, 2 rng, 3 console), option u8, then operations: an
 *        opcode u8 and its operands (see the OP_ list below); reads past the end give 0.
 * Checks beyond ASan/UBSan, where the driver played by the input kept to the rules:
 *  - once Status reads back 0 after a reset, the device writes no guest memory (until
 *    the driver configures it again): RAM is compared with a snapshot taken at the reset;
 *  - a queue set up afresh (zeroed rings) never gets more completions than the driver
 *    made available on it, nor ids outside it (a request popped from the old ring must
 *    not complete into the new one).
 * The checks hold for smolvm as issue 10 wants it; see tests/fuzz/README.md for what they
 * found on the way. */
#include "fuzz_virtio.h"

enum {
	OP_WRITE_REG,	/* reg u8 (index into regs[]), value u32 */
	OP_ACCESS,	/* offset u16, size u8 (1 << n % 4, bit 7: write), value u64 */
	OP_BRINGUP,	/* features u32, log2 queue size u8 */
	OP_RESET,	/* Status = 0 */
	OP_QUEUE_SETUP, /* queue u8, slot u8, log2 size u8, how u8 (1: not disabled first,
			   2: rings kept as they are) */
	OP_DESC,	/* queue u8, index u8, addr u16, len u16, flags u8, next u8 */
	OP_PUBLISH,	/* queue u8, head u8 */
	OP_NOTIFY,	/* queue u8 */
	OP_WAIT,	/* up to 2 ms for the device to be idle */
	OP_MEM,		/* offset u16 (* 16), len u8, bytes */
	OP_REQUEST,	/* queue u8, index u8, kind u8, arg u16: a well-formed request */
	OP_NET_FRAME,	/* len u16, bytes (the network sends); len 0: drain what the guest sent */
	OP_CONSOLE_IN,	/* len u8, bytes */
	OP_ACK,		/* InterruptStatus read and acknowledged */
	OP_AVAIL_RAW,	/* queue u8, which u8 (flags, idx, used_event), value u16 */
	OP_READ_CONFIG, /* offset u8, size u8 */
	OP_COUNT
};

static const uint16_t regs[] = {
	VREG_DEVICE_FEATURES_SEL,
	VREG_DRIVER_FEATURES,
	VREG_DRIVER_FEATURES_SEL,
	VREG_QUEUE_SEL,
	VREG_QUEUE_NUM,
	VREG_QUEUE_READY,
	VREG_QUEUE_NOTIFY,
	VREG_INTERRUPT_ACK,
	VREG_STATUS,
	VREG_QUEUE_DESC_LOW,
	VREG_QUEUE_DESC_HIGH,
	VREG_QUEUE_DRIVER_LOW,
	VREG_QUEUE_DRIVER_HIGH,
	VREG_QUEUE_DEVICE_LOW,
	VREG_QUEUE_DEVICE_HIGH,
	VREG_CONFIG,
};

/* Driver-side bookkeeping the checks need. */
struct prog {
	struct fvm f;
	bool clean[FV_MAX_QUEUES]; /* set up afresh and only touched by the rules since */
	bool watching;		   /* reset: guest RAM must not change */
	uint8_t *snapshot;
};

static uint8_t *snapshot_buf;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fv_init();
	snapshot_buf = malloc(FV_RAM_SIZE);
	if (!snapshot_buf)
		abort();
	return 0;
}

/* Guest RAM, which outlives each input's VM. */
static uint8_t *ram(struct prog *p)
{
	(void)p;
	return fv_mem.regions[0].host;
}

/* The reset check: RAM as it was when Status read back 0. */
static void check_quiet(struct prog *p)
{
	if (!p->watching)
		return;
	FUZZ_CHECK(!memcmp(ram(p), p->snapshot, FV_RAM_SIZE));
	p->watching = false;
}

static void check_used(struct prog *p)
{
	struct fvm *f = &p->f;

	for (unsigned q = 0; q < f->nr_queues; q++) {
		uint16_t used, size = f->q[q].size;

		if (!p->clean[q] || !size)
			continue;
		used = fv_used_idx(f, q);
		FUZZ_CHECK(used <= f->q[q].published);
		for (uint16_t i = 0; i < used && i < size; i++) {
			uint32_t id;

			memcpy(&id, fv_ptr(f, fv_used_gpa(f, q) + 4 + 8ull * i, 4), 4);
			FUZZ_CHECK(le32toh(id) < size);
		}
	}
}

static void reset(struct prog *p)
{
	fv_write32(&p->f, VREG_STATUS, 0);
	if (fv_status(&p->f) == 0) {
		memcpy(p->snapshot, ram(p), FV_RAM_SIZE);
		p->watching = true;
	}
}

static void queue_setup(struct prog *p, struct fuzz_in *in)
{
	struct fvm *f = &p->f;
	unsigned q = fuzz_u8(in) % f->nr_queues, slot = fuzz_u8(in);
	uint16_t size = (uint16_t)(1u << (fuzz_u8(in) % 9));
	uint8_t how = fuzz_u8(in);

	if (!(how & 1)) {
		fv_write32(f, VREG_QUEUE_SEL, q);
		fv_write32(f, VREG_QUEUE_READY, 0);
	}
	fv_queue_setup(f, q, slot, size, how & 2);
	fv_write32(f, VREG_QUEUE_SEL, q);
	/* Slots are shared: another queue's rings may now be these. */
	for (unsigned o = 0; o < f->nr_queues; o++)
		if (o != q && f->q[o].slot == f->q[q].slot)
			p->clean[o] = false;
	p->clean[q] = !(how & 2) && fv_read32(f, VREG_QUEUE_READY) == 1;
	if (!p->clean[q])
		f->q[q].size = (uint16_t)fv_read32(f, VREG_QUEUE_NUM);
}

/* Data buffers of requests: 4 KiB each in the upper half of the data area. */
static uint64_t req_buf(unsigned idx)
{
	return FV_DATA + FV_DATA_SIZE / 2 + 0x1000ull * (idx % 96);
}

/* A request the device understands, at descriptors idx.. of queue q, published. */
static void request(struct prog *p, struct fuzz_in *in)
{
	struct fvm *f = &p->f;
	unsigned q = fuzz_u8(in) % f->nr_queues, idx = fuzz_u8(in), kind = fuzz_u8(in);
	uint16_t arg = fuzz_u16(in), size = f->q[q].size;
	uint64_t buf = req_buf(idx);
	uint8_t *b = fv_ptr(f, buf, 0x1000);

	if (!size)
		return;
	if (f->kind == FV_BLK) {
		static const uint32_t types[] = {0, 1, 4, 8, 11, 13, 0x1234};
		uint32_t type = types[kind % 7];
		uint64_t sector = arg & 0xff;
		uint32_t len = 512u * ((arg >> 8) % 5);
		bool out = type == 1;

		memcpy(b, &type, 4);
		memset(b + 4, 0, 4);
		memcpy(b + 8, &sector, 8);
		fv_desc(f, q, idx, buf, 16, VIRTQ_DESC_F_NEXT, (uint16_t)((idx + 1) % size));
		if (len) {
			fv_desc(f, q, idx + 1, buf + 512, len,
				VIRTQ_DESC_F_NEXT | (out ? 0 : VIRTQ_DESC_F_WRITE),
				(uint16_t)((idx + 2) % size));
			fv_desc(f, q, idx + 2, buf + 16, 1, VIRTQ_DESC_F_WRITE, 0);
		} else {
			fv_desc(f, q, idx + 1, buf + 16, 1, VIRTQ_DESC_F_WRITE, 0);
		}
	} else {
		/* rng, console and net receive queues fill buffers; transmit queues read them
		 * (net: a 12-byte virtio_net_hdr, then the frame). */
		bool tx = q == 1;
		uint32_t len = 1 + arg % 0x1000;

		if (tx)
			memset(b, (int)kind, len);
		if (tx && f->kind == FV_NET)
			memset(b, 0, 12);
		fv_desc(f, q, idx, buf, len, tx ? 0 : VIRTQ_DESC_F_WRITE, 0);
	}
	fv_publish(f, q, (uint16_t)(idx % size));
	fv_notify(f, q);
}

static void avail_raw(struct prog *p, struct fuzz_in *in)
{
	struct fvm *f = &p->f;
	unsigned q = fuzz_u8(in) % f->nr_queues, which = fuzz_u8(in) % 3;
	uint16_t v = fuzz_u16(in), size = f->q[q].size ? f->q[q].size : 1;
	uint64_t gpa = fv_avail_gpa(f, q);

	if (which == 0) {
		fv_put16(f, gpa, v);
		return; /* flags: any value is the driver's right */
	}
	fv_put16(f, which == 1 ? gpa + 2 : gpa + 4 + 2ull * size, v);
	if (which == 1)
		p->clean[q] = false;
}

static void run_op(struct prog *p, struct fuzz_in *in)
{
	struct fvm *f = &p->f;
	unsigned op = fuzz_u8(in) % OP_COUNT;
	size_t n;
	const uint8_t *bytes;

	/* Anything but waiting and reading may legitimately make the device write again. */
	if (op != OP_WAIT && op != OP_READ_CONFIG && op != OP_ACK)
		check_quiet(p);
	switch (op) {
	case OP_WRITE_REG: {
		uint16_t reg = regs[fuzz_u8(in) % ARRAY_SIZE(regs)];
		uint32_t v = fuzz_u32(in);

		fv_write32(f, reg, v);
		if (reg == VREG_STATUS && v == 0 && fv_status(f) == 0) {
			memcpy(p->snapshot, ram(p), FV_RAM_SIZE);
			p->watching = true;
		}
		if (reg != VREG_QUEUE_NOTIFY && reg != VREG_INTERRUPT_ACK && reg != VREG_STATUS &&
		    reg != VREG_CONFIG)
			memset(p->clean, 0, sizeof(p->clean));
		break;
	}
	case OP_ACCESS: {
		uint16_t off = fuzz_u16(in) % VIRTIO_MMIO_SIZE;
		uint8_t sz = fuzz_u8(in);
		uint64_t v = fuzz_u64(in);

		if (sz & 0x80) {
			fv_write(f, off, v, 1u << (sz % 4));
			memset(p->clean, 0, sizeof(p->clean));
		} else {
			(void)fv_read(f, off, 1u << (sz % 4));
		}
		break;
	}
	case OP_BRINGUP: {
		uint64_t features = fuzz_u32(in);
		bool ok = fv_bringup(f, features, fuzz_u8(in));

		for (unsigned q = 0; q < f->nr_queues; q++)
			p->clean[q] = ok;
		break;
	}
	case OP_RESET:
		reset(p);
		break;
	case OP_QUEUE_SETUP:
		queue_setup(p, in);
		break;
	case OP_DESC: {
		unsigned q = fuzz_u8(in) % f->nr_queues, idx = fuzz_u8(in);
		uint16_t a = fuzz_u16(in), len = fuzz_u16(in);
		uint8_t flags = fuzz_u8(in), next = fuzz_u8(in);

		fv_desc(f, q, idx, FV_DATA + (8ull * a) % FV_DATA_SIZE, len, flags & 7, next);
		break;
	}
	case OP_PUBLISH: {
		unsigned q = fuzz_u8(in) % f->nr_queues;

		fv_publish(f, q, fuzz_u8(in));
		break;
	}
	case OP_NOTIFY:
		fv_notify(f, fuzz_u8(in) % (f->nr_queues + 1));
		break;
	case OP_WAIT:
		fv_wait(f, 2000);
		check_used(p);
		break;
	case OP_MEM: {
		uint64_t gpa = (16ull * fuzz_u16(in)) % FV_RAM_SIZE;

		bytes = fuzz_take(in, fuzz_u8(in), &n);
		n = MIN(n, FV_RAM_SIZE - gpa);
		memcpy(fv_ptr(f, gpa, n ? n : 1), bytes, n);
		if (gpa < FV_DATA)
			memset(p->clean, 0, sizeof(p->clean));
		break;
	}
	case OP_REQUEST:
		request(p, in);
		break;
	case OP_NET_FRAME:
		bytes = fuzz_take(in, fuzz_u16(in) % 1600, &n);
		if (n)
			fv_net_send(f, bytes, n);
		else
			fv_net_drain(f);
		break;
	case OP_CONSOLE_IN:
		bytes = fuzz_take(in, fuzz_u8(in), &n);
		if (f->con)
			console_push_input(f->con, bytes, n);
		break;
	case OP_ACK:
		fv_write32(f, VREG_INTERRUPT_ACK, fv_read32(f, VREG_INTERRUPT_STATUS));
		break;
	case OP_AVAIL_RAW:
		avail_raw(p, in);
		break;
	default: {
		uint8_t off = fuzz_u8(in);

		(void)fv_read(f, VREG_CONFIG + off, 1u << (fuzz_u8(in) % 4));
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct prog p = {.snapshot = snapshot_buf};
	unsigned kind = fuzz_u8(&in) % FV_NR_KINDS;

	fv_create(&p.f, (enum fv_kind)kind, fuzz_u8(&in));
	for (unsigned ops = 0; fuzz_more(&in) && ops < 4096; ops++)
		run_op(&p, &in);
	fv_wait(&p.f, 2000);
	check_used(&p);
	fv_net_drain(&p.f);
	fv_destroy(&p.f);
	/* Every device thread is gone: a write after the reset has landed by now. */
	check_quiet(&p);
	return 0;
}
