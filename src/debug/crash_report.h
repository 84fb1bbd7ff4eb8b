/* SPDX-License-Identifier: MIT */
/* crash_report.h: "why did my guest die": the exit, registers, code at the PC, last exits. */
#pragma once

#include <stdio.h>

struct vcpu;
struct vm_exit;

/* Prints the report for @vcpu stopped by @ex to @out. @what says what happened. */
void crash_report(FILE *out, struct vcpu *vcpu, const struct vm_exit *ex, const char *what);

/* Prints per-kind exit counts for all vCPUs of the VM that @vcpu belongs to. */
void exit_stats_print(FILE *out, struct vcpu *vcpus, unsigned nr);
