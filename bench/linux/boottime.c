// SPDX-License-Identifier: MIT
/*
 * boottime -- time a VMM boot: from process start until a marker string
 * appears on the child's stdout, and until the child exits.
 *
 *   boottime [-t TIMEOUT_S] [-o OUTFILE] [-x HALTSTR] MARKER -- CMD [ARGS...]
 *
 * CMD runs with stdin from /dev/null and stdout on a pipe read by boottime
 * (copied to OUTFILE, if given); stderr is inherited.  Times are taken with
 * CLOCK_MONOTONIC: t0 just before fork(), the marker time when the read that
 * completes the marker returns, the exit time when wait4() returns.
 *
 * Prints one line on stdout:
 *   marker_us=N total_us=N status=N maxrss_kb=N
 * marker_us is -1 if the marker never appeared; status is the exit status,
 * 128+SIG for a signal, 124 if the timeout (default 300 s) killed the child,
 * 125 if HALTSTR appeared on stdout (the guest halted instead of powering
 * off: the child is killed at once; total_us is then the time of the kill).
 * boottime itself exits 0 if the marker appeared and the child exited 0,
 * 1 otherwise, 2 on usage or system errors.
 *
 * Used by bench/linux-boot-l1.sh (static build: gcc -O2 -static).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"

static volatile pid_t child;
static volatile sig_atomic_t alarm_killed;

static void on_alarm(int sig)
{
	(void)sig;
	alarm_killed = 1;
	kill(child, SIGKILL);
}

static void usage(void)
{
	fprintf(stderr, "usage: boottime [-t TIMEOUT_S] [-o OUTFILE] [-x HALTSTR] MARKER -- CMD "
			"[ARGS...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *outfile = NULL, *marker, *halt = NULL;
	double timeout_s = 300;
	int opt, rfd, outfd = -1, status = 0, killed = 0, halted = 0;
	size_t mlen, hlen = 0, keep, have = 0;
	char *win;
	long long t0, t_marker = -1, t_exit, deadline;
	struct rusage ru;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+t:o:x:")) != -1) {
		switch (opt) {
		case 't':
			timeout_s = atof(optarg);
			break;
		case 'o':
			outfile = optarg;
			break;
		case 'x':
			halt = optarg;
			hlen = strlen(halt);
			break;
		default:
			usage();
		}
	}
	if (argc - optind < 3 || strcmp(argv[optind + 1], "--") != 0)
		usage();
	marker = argv[optind];
	mlen = strlen(marker);
	if (mlen == 0)
		usage();
	argv += optind + 2;

	if (outfile) {
		outfd = open(outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (outfd < 0) {
			perror(outfile);
			return 2;
		}
	}
	/* Sliding window: the last keep bytes plus one read's worth. */
	keep = (hlen > mlen ? hlen : mlen) - 1;
	win = malloc(keep + 65536);
	if (!win)
		return 2;

	pid = child_start("boottime", argv, &rfd, &t0);
	if (pid < 0)
		return 2;
	child = pid;
	deadline = t0 + (long long)(timeout_s * 1e6);

	for (;;) {
		ssize_t n = child_read(rfd, win + have, 65536, pid, deadline, &killed);

		if (n <= 0)
			break;
		if (outfd >= 0 && write(outfd, win + have, (size_t)n) != n)
			perror("write");
		have += (size_t)n;
		if (t_marker < 0) {
			if (memmem(win, have, marker, mlen))
				t_marker = now_us();
		}
		if (hlen && !halted && memmem(win, have, halt, hlen)) {
			halted = 1;
			if (!killed)
				kill(pid, SIGKILL);
			killed = 1;
		}
		if (have > keep) { /* keep only a possible marker prefix */
			memmove(win, win + have - keep, keep);
			have = keep;
		}
	}
	if (!killed) { /* stdout closed: the child should be exiting; bound the wait */
		long long left = deadline - now_us();

		signal(SIGALRM, on_alarm);
		alarm(left > 0 ? (unsigned)((left + 999999) / 1000000) : 1);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno == EINTR)
			continue;
		perror("wait4");
		return 2;
	}
	t_exit = now_us();
	alarm(0);
	if (halted)
		status = 125;
	else if (killed || alarm_killed)
		status = 124;
	else if (WIFEXITED(status))
		status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		status = 128 + WTERMSIG(status);
	printf("marker_us=%lld total_us=%lld status=%d maxrss_kb=%ld\n",
	       t_marker < 0 ? -1 : t_marker - t0, t_exit - t0, status, ru.ru_maxrss);
	return (t_marker >= 0 && status == 0) ? 0 : 1;
}
