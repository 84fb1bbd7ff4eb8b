/* SPDX-License-Identifier: MIT */
/* arch.h: what the generic VM code asks of the guest architecture. Exactly one
 * arch/<arch>/ directory is linked into a binary (guest arch = host arch). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#if defined(__x86_64__)
#include "arch/x86_64/regs.h"
#elif defined(__aarch64__)
#include "arch/aarch64/regs.h"
#else
#error "smolvm supports x86_64 and aarch64 hosts"
#endif

struct devmgr;
struct devmgr_layout;
struct vm;
struct vcpu;

/* The command line's limits and the parts of --help that differ by arch (cli.c). */
struct arch_cli {
	unsigned max_cpus;
	const char *kernel_formats; /* "a bzImage, ..." */
	const char *console_name;   /* the guest's serial console: "ttyS0" */
	const char *builtin_ends;   /* how the built-in guest ends: "halts" */
	/* Whole lines of --help (may be ""): --irqchip, --dtb/--dump-dtb, exit statuses. */
	const char *irqchip_help, *dtb_help, *exit_help, *exit_debug_help;
};
extern const struct arch_cli arch_cli;
struct vm_config;
/* What the architecture refuses in @cfg whatever the kernel (cli.c): options it does not
 * have, limits. Called before any host resource is opened. Returns 0 or -EINVAL (logged). */
int arch_check_config(const struct vm_config *cfg);

/* Where the device manager may place devices without a fixed address, and their IRQs. */
extern const struct devmgr_layout arch_device_layout;

/* Adds guest RAM regions for vm->cfg->mem_size to vm->mem (with the arch's holes). */
int arch_setup_memory(struct vm *vm);
/* Creates the platform devices (console UART, exit/reset ports, ...). */
int arch_add_devices(struct devmgr *dm);
/* Loads the kernel named in the config (or the built-in guest) and prepares boot data. */
int arch_load_kernel(struct vm *vm);
/* Last step of VM creation, once the interrupt controller and every vCPU exist: what needs
 * them (arm64: the device tree, and --dump-dtb). */
int arch_finalize(struct vm *vm);
/* Puts @vcpu in its boot state (entry point, mode, registers). */
int arch_vcpu_reset(struct vcpu *vcpu);
/* Writes a register dump of @r to @out. */
void arch_dump_regs(const struct arch_regs *r, FILE *out);
/* True if a CPU shutdown in state @r is a deliberate reset rather than a crash (x86: the
 * guest emptied its IDT first, as Linux's reboot=t does). */
bool arch_shutdown_is_reset(const struct arch_regs *r);
/* True if @r is the CPU's power-on/INIT state: what KVM on AMD reports after a triple
 * fault, because it reinitialises the vCPU at the SHUTDOWN intercept. */
bool arch_regs_are_reset_state(const struct arch_regs *r);
/* Program counter of @r and the Capstone arch/mode to disassemble code there. */
uint64_t arch_regs_pc(const struct arch_regs *r);
void arch_capstone_mode(const struct arch_regs *r, int *cs_arch, int *cs_mode);
