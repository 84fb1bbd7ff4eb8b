/* SPDX-License-Identifier: MIT */
/*
 * smp_hello: needs 2 vCPUs. CPU 0 prints "cpu0 up", starts CPU 1 (MPIDR 1)
 * with PSCI CPU_ON (entry cpu1_entry, context SMP_CONTEXT, which arrives in
 * CPU 1's x0), and waits for CPU 1 to set a flag in memory; CPU 1 prints
 * "cpu1 up" (or "cpu1 bad context"), sets the flag and calls CPU_OFF.
 * CPU 0 then prints "smp done" and PSCI SYSTEM_OFF. If CPU_ON fails, CPU 0
 * prints "cpu_on failed" and powers off.
 */
#include "guest.h"

#define SMP_CONTEXT	0x5a5a1234
#define CPU1_MPIDR	1

	.text
	.globl	_start
_start:
	adr	x0, msg_cpu0
	bl	uart_puts

	mov32	w0, PSCI_CPU_ON_64
	mov	x1, #CPU1_MPIDR
	adr	x2, cpu1_entry
	mov32	w3, SMP_CONTEXT
	hvc	#0
	cbnz	x0, 3f

	adr	x9, cpu1_flag
1:	ldr	w10, [x9]
	cbnz	w10, 2f
	yield
	b	1b
2:	adr	x0, msg_done
	bl	uart_puts
	b	psci_system_off

3:	adr	x0, msg_cpu_on_failed
	bl	uart_puts
	b	psci_system_off

	.globl	cpu1_entry
cpu1_entry:
	mov32	w9, SMP_CONTEXT
	cmp	x0, x9
	adr	x0, msg_cpu1
	adr	x1, msg_cpu1_bad
	csel	x0, x0, x1, eq
	bl	uart_puts
	/* MMU off: RAM is Device-nGnRnE here, so no cache maintenance needed. */
	adr	x9, cpu1_flag
	mov	w10, #1
	dsb	sy
	str	w10, [x9]
	dsb	sy
	mov32	w0, PSCI_CPU_OFF
	hvc	#0
4:	wfi
	b	4b

	.section .rodata
msg_cpu0:		.asciz	"cpu0 up\n"
msg_cpu1:		.asciz	"cpu1 up\n"
msg_cpu1_bad:		.asciz	"cpu1 bad context\n"
msg_done:		.asciz	"smp done\n"
msg_cpu_on_failed:	.asciz	"cpu_on failed\n"

	/* In .data, not .bss: zero in the file, whatever the loader does with bss. */
	.data
	.balign	4
cpu1_flag:	.long	0
