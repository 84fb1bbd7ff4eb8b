/* SPDX-License-Identifier: MIT */
/* stop.h: why a VM stops, and the handle through which a device asks for it (devices get
 * this, never the VM). */
#pragma once

#include <stdint.h>

enum vm_stop_reason {
	VM_STOP_NONE,
	VM_STOP_POWEROFF,   /* guest powered off */
	VM_STOP_RESET,	    /* guest asked for a reboot */
	VM_STOP_HALT,	    /* HLT with nothing that could wake the CPU */
	VM_STOP_DEBUG_EXIT, /* write to the debug-exit port; code holds the value */
	VM_STOP_CRASH,	    /* triple fault, entry failure, emulation failure: report printed */
	VM_STOP_HOST_ERROR, /* smolvm or the host failed */
	VM_STOP_USER,	    /* the user asked to quit (Ctrl-A x, signal) */
};

/* Asks the VM to stop; the first request wins. Callable from any thread. */
struct vm_stopper {
	void (*request)(void *ctx, enum vm_stop_reason reason, uint64_t code);
	void *ctx;
};

static inline void vm_stopper_request(const struct vm_stopper *s, enum vm_stop_reason reason,
				      uint64_t code)
{
	s->request(s->ctx, reason, code);
}
