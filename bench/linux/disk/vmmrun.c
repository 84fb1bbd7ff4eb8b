// SPDX-License-Identifier: MIT
/*
 * vmmrun -- run a VMM for bench/disk.sh inside L1: time-stamp its console lines and account
 * its CPU time.
 *
 *   vmmrun [-t TIMEOUT_S] -o OUTFILE [-S STATSFILE -s TRIGGER... [-H HISTFILE]...] -- CMD [ARGS...]
 *
 * CMD runs with stdin from /dev/null and stdout on a pipe; stderr is inherited. Every line
 * CMD writes to stdout goes to OUTFILE prefixed with "SECONDS.MICROS " (CLOCK_MONOTONIC
 * since just before fork(), taken when the read that completed the line returned; CRs
 * dropped), so the guest's own timings can be checked against L1's clock. After TIMEOUT_S
 * seconds (default 600) CMD is killed.
 *
 * With -S, each console line that contains one of the TRIGGER strings (-s, repeatable) makes
 * vmmrun append a snapshot of L1-side counters to STATSFILE, while the VM still runs (KVM's
 * debugfs totals only count live VMs):
 *   SNAP T_US LINE            the triggering line and its time stamp
 *   KVM NAME VALUE            each file directly in /sys/kernel/debug/kvm (all live VMs)
 *   CPU user nice system idle iowait irq softirq steal guest guest_nice   (/proc/stat, ticks)
 *   TASK TID COMM UTIME STIME each thread of CMD (/proc/PID/task/TID/stat, ticks)
 *   HIST HISTFILE             for each -H: a tracing hist file (e.g.
 *   H LINE                    .../events/kvm/kvm_exit/hist), its non-comment lines
 *   END
 * Reading these costs no fork, so the measurement is barely disturbed.
 *
 * Prints one line on stdout:
 *   total_us=N status=N maxrss_kb=N utime_us=N stime_us=N
 * status: the exit status, 128+SIG for a signal, 124 if the timeout killed CMD. utime/stime:
 * CPU time of CMD and all its threads (wait4's rusage). Exit status: 0 if CMD exited 0.
 *
 * Static build: gcc -O2 -static (bench/disk.sh does it).
 */
#define _GNU_SOURCE
#include <dirent.h>
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

#include "../child.h"

static void usage(void)
{
	fprintf(stderr, "usage: vmmrun [-t TIMEOUT_S] -o OUTFILE [-S STATSFILE -s TRIGGER... "
			"[-H HISTFILE]...] -- CMD [ARGS...]\n");
	exit(2);
}

/* The contents of @path (at most @size - 1 bytes, NUL-terminated), or -1. */
static ssize_t slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

static const char *hists[16];
static int nhists;

static void snapshot(FILE *f, pid_t pid, long long t, const char *line)
{
	char path[512], buf[4096];
	struct dirent *e;
	DIR *d;

	fprintf(f, "SNAP %lld %s\n", t, line);
	if ((d = opendir("/sys/kernel/debug/kvm"))) {
		while ((e = readdir(d))) {
			if (e->d_type != DT_REG)
				continue;
			snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%s", e->d_name);
			if (slurp(path, buf, sizeof(buf)) > 0)
				fprintf(f, "KVM %s %lld\n", e->d_name, strtoll(buf, NULL, 10));
		}
		closedir(d);
	}
	if (slurp("/proc/stat", buf, sizeof(buf)) > 0 && !strncmp(buf, "cpu ", 4)) {
		char *p = buf + 4 + strspn(buf + 4, " ");

		fprintf(f, "CPU %.*s\n", (int)strcspn(p, "\n"), p);
	}
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((d = opendir(path))) {
		while ((e = readdir(d))) {
			char *p, comm[64];
			unsigned long ut = 0, st = 0;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid, e->d_name);
			if (slurp(path, buf, sizeof(buf)) <= 0 || !(p = strrchr(buf, ')')))
				continue;
			/* comm is between the first '(' and the last ')'; fields 14, 15 follow */
			snprintf(comm, sizeof(comm), "%.*s", (int)(p - strchr(buf, '(') - 1),
				 strchr(buf, '(') + 1);
			for (char *c = comm; *c; c++)
				if (*c == ' ')
					*c = '_';
			if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
				   &ut, &st) == 2)
				fprintf(f, "TASK %s %s %lu %lu\n", e->d_name, comm, ut, st);
		}
		closedir(d);
	}
	for (int i = 0; i < nhists; i++) {
		static char hbuf[1 << 20];
		char *p, *nl;

		if (slurp(hists[i], hbuf, sizeof(hbuf)) < 0)
			continue;
		fprintf(f, "HIST %s\n", hists[i]);
		for (p = hbuf; *p; p = nl + 1) {
			if (!(nl = strchr(p, '\n')))
				nl = p + strlen(p) - 1;
			if (*p != '#' && nl > p)
				fprintf(f, "H %.*s\n", (int)(nl - p), p);
			if (!nl[1])
				break;
		}
	}
	fprintf(f, "END\n");
	fflush(f);
}

static long long tv_us(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

int main(int argc, char **argv)
{
	const char *outfile = NULL, *statsfile = NULL, *triggers[16];
	int ntriggers = 0;
	FILE *stats = NULL;
	double timeout_s = 600;
	int opt, rfd, status = 0, killed = 0;
	static char line[65536];
	size_t len = 0;
	long long t0, deadline;
	struct rusage ru;
	FILE *out;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+t:o:S:s:H:")) != -1) {
		switch (opt) {
		case 't':
			timeout_s = atof(optarg);
			break;
		case 'o':
			outfile = optarg;
			break;
		case 'S':
			statsfile = optarg;
			break;
		case 's':
			if (ntriggers == 16)
				usage();
			triggers[ntriggers++] = optarg;
			break;
		case 'H':
			if (nhists == 16)
				usage();
			hists[nhists++] = optarg;
			break;
		default:
			usage();
		}
	}
	/* getopt() has consumed the "--" */
	if (!outfile || argc - optind < 1)
		usage();
	argv += optind;
	out = fopen(outfile, "w");
	if (!out) {
		perror(outfile);
		return 2;
	}
	if (statsfile && !(stats = fopen(statsfile, "w"))) {
		perror(statsfile);
		return 2;
	}
	pid = child_start("vmmrun", argv, &rfd, &t0);
	if (pid < 0)
		return 2;
	deadline = t0 + (long long)(timeout_s * 1e6);

	for (;;) {
		char buf[4096];
		ssize_t n = child_read(rfd, buf, sizeof(buf), pid, deadline, &killed);
		long long t;

		if (n <= 0)
			break;
		t = now_us() - t0;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\r')
				continue;
			if (buf[i] != '\n' && len < sizeof(line) - 1) {
				line[len++] = buf[i];
				continue;
			}
			if (buf[i] == '\n') {
				line[len] = 0;
				fprintf(out, "%lld.%06lld %s\n", t / 1000000, t % 1000000, line);
				for (int j = 0; stats && j < ntriggers; j++)
					if (strstr(line, triggers[j])) {
						snapshot(stats, pid, t, line);
						break;
					}
				len = 0;
			}
		}
		fflush(out);
	}
	if (len)
		fprintf(out, "%lld.%06lld %.*s\n", (now_us() - t0) / 1000000,
			(now_us() - t0) % 1000000, (int)len, line);
	fclose(out);
	if (stats)
		fclose(stats);
	if (!killed) { /* stdout closed: the child should be exiting; bound the wait */
		for (;;) {
			pid_t r = wait4(pid, &status, WNOHANG, &ru);

			if (r == pid)
				goto done;
			if (r < 0 && errno != EINTR) {
				perror("wait4");
				return 2;
			}
			if (now_us() > deadline) {
				kill(pid, SIGKILL);
				killed = 1;
				break;
			}
			usleep(10000);
		}
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno == EINTR)
			continue;
		perror("wait4");
		return 2;
	}
done:
	if (killed)
		status = 124;
	else if (WIFEXITED(status))
		status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		status = 128 + WTERMSIG(status);
	printf("total_us=%lld status=%d maxrss_kb=%ld utime_us=%lld stime_us=%lld\n", now_us() - t0,
	       status, ru.ru_maxrss, tv_us(ru.ru_utime), tv_us(ru.ru_stime));
	return status == 0 ? 0 : 1;
}
