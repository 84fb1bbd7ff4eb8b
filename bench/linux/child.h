/* SPDX-License-Identifier: MIT */
/*
 * child.h -- what the timing helpers that run VMMs in L1 share (boottime.c for the boot
 * benchmarks, disk/vmmrun.c for bench/disk.sh and bench/net.sh): CLOCK_MONOTONIC in
 * microseconds, starting the VMM with stdin from /dev/null and stdout on a pipe, and reading
 * that pipe until it closes, killing the VMM at a deadline. Header-only, so that each helper
 * is still built by one `gcc -O2 -static` command.
 */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Runs @argv with stdin from /dev/null and stdout on a pipe (the read end, close-on-exec, in
 * *@rfd); stderr is inherited. *@t0 is the time just before fork(). Returns the child's pid,
 * or -1 after a message (@who: the helper's name, for the child's exec failure). */
static pid_t child_start(const char *who, char **argv, int *rfd, long long *t0)
{
	int pfd[2];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		perror("pipe");
		return -1;
	}
	*t0 = now_us();
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		if (nul >= 0)
			dup2(nul, 0);
		dup2(pfd[1], 1);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: exec %s: %s\n", who, argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	*rfd = pfd[0];
	return pid;
}

/* The child's next output, read into @buf: what read() returned, <= 0 once its stdout is
 * closed (or after an error). At @deadline the child is killed (*@killed = 1) and what is
 * left in the pipe is still read, up to 5 s at a time. */
static ssize_t child_read(int fd, void *buf, size_t cap, pid_t pid, long long deadline, int *killed)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		long long left = deadline - now_us();
		ssize_t n;
		int r;

		if (left <= 0) {
			if (!*killed) {
				kill(pid, SIGKILL);
				*killed = 1;
			}
			left = 5000000; /* drain what is left after the kill */
		}
		r = poll(&p, 1, (int)((left + 999) / 1000));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			perror("poll");
			return -1;
		}
		if (r == 0)
			continue;
		n = read(fd, buf, cap);
		if (n < 0 && errno == EINTR)
			continue;
		return n;
	}
}
