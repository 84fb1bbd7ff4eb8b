/* SPDX-License-Identifier: MIT */
/* vcpu.h: a virtual CPU, its thread and its run loop. */
#pragma once

#include <pthread.h>
#include <stdint.h>

#include "exit.h"
#include "util/compiler.h"

struct vm;

/* The last exits, kept for crash reports. */
#define VCPU_EXIT_HISTORY 16
struct exit_record {
	enum vm_exit_kind kind;
	uint64_t addr, data;
	uint64_t pc; /* valid if has_pc */
	uint32_t size;
	bool is_write, has_pc;
};

struct vcpu {
	struct vm *vm;
	unsigned id;
	void *be;
	pthread_t thread;
	uint64_t exit_counts[VM_EXIT__COUNT];
	struct exit_record history[VCPU_EXIT_HISTORY];
	unsigned history_pos;
};

/* Runs @vcpu until the VM stops. Returns when vm_stop_requested() is set. */
void vcpu_run_loop(struct vcpu *vcpu);
/* Handles one exit: 0 to continue, or a vm_stop_reason to stop. Exposed for unit tests. */
int vcpu_handle_exit(struct vcpu *vcpu, struct vm_exit *ex);
