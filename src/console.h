/* SPDX-License-Identifier: MIT */
/* console.h: the host side of the guest console: output to a file descriptor as bytes
 * arrive, input from another one through a reader thread and a ring buffer. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/compiler.h"

struct console;

/* @first_output, if not NULL, receives the time of the first byte written. */
struct console *console_create(int in_fd, int out_fd, _Atomic uint64_t *first_output);
/* Starts the input thread. @notify(ctx) runs on that thread after new bytes arrive. Piped
 * input waits while the guest does not read; a terminal is read all the time, so Ctrl-A x
 * always works (typed input beyond 8 KiB the guest leaves unread is dropped). */
int __must_check console_start_input(struct console *con, void (*notify)(void *ctx), void *ctx);
void console_destroy(struct console *con);
/* Another device to tell when input arrives (before console_start_input's thread runs). */
int __must_check console_add_input_listener(struct console *con, void (*notify)(void *ctx),
					    void *ctx);

/* Writes all of @buf to the output (retrying short writes, and waiting for a full
 * non-blocking fd; output to a closed fd, or to one nobody drains for a second, is dropped). From
 * any thread: one call at a time reaches the output, the kept tail and the panic detection, each
 * whole. */
void console_write(struct console *con, const void *buf, size_t len);
/* True if console_read_byte() would return a byte. */
bool console_has_input(struct console *con);
/* The next input byte, or -1 if none is buffered. */
int console_read_byte(struct console *con);
/* Queues bytes as if they came from the input fd (loopback, tests). */
void console_push_input(struct console *con, const uint8_t *buf, size_t len);

/* With a terminal on the input fd: raw mode now, restored by console_destroy() or
 * console_restore_tty() (async-signal-safe, for fatal-signal handlers). Returns 0 when the
 * input is not a terminal. */
int console_enter_raw_mode(struct console *con);
void console_restore_tty(struct console *con);

/* Called on the input thread when the user types Ctrl-A x (terminal input only). */
void console_set_quit_handler(struct console *con, void (*quit)(void *ctx), void *ctx);

/* True once the guest printed a Linux panic banner ("Kernel panic - not syncing"). */
bool console_saw_panic(struct console *con);
/* Writes the last @lines lines of guest output to @out; after a panic, everything from a
 * few lines before the panic banner (as far as the kept 8 KiB reach). */
void console_print_tail(struct console *con, FILE *out, unsigned lines);
