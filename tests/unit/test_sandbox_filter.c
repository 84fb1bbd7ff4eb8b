// SPDX-License-Identifier: MIT
/* test_sandbox_filter.c: the seccomp filters, each in a forked child: what a vCPU thread
 * may not do ends the process with status 4 and a report naming the call; what it does
 * do passes; and sandbox_lock_down leaves every thread with the right number of filters.
 * Where seccomp cannot be installed (qemu-user runs the cross-built tests) they skip. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log_capture.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp.h"
#include "test.h"

/* SANITIZE=1 builds allow more (sandbox/policy.c): LeakSanitizer's openat, ASan's
 * rt_sigaction. */
#ifdef __SANITIZE_ADDRESS__
#define SANITIZED true
#else
#define SANITIZED false
#endif

#define SKIP_STATUS 77 /* the child could not install a filter at all */

struct child {
	int status;
	char err[2048]; /* its stderr */
};

/* Runs @fn in a child with stderr on a pipe; 0, or -1 if the child could not start. */
static int run_child(void (*fn)(void), struct child *c)
{
	int pipefd[2];
	pid_t pid;
	ssize_t n;
	size_t len = 0;

	memset(c, 0, sizeof(*c));
	if (pipe(pipefd) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		fn();
		_exit(0);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], c->err + len, sizeof(c->err) - 1 - len)) > 0)
		len += (size_t)n;
	close(pipefd[0]);
	waitpid(pid, &c->status, 0);
	return 0;
}

static bool skipped(const struct child *c, const char *test)
{
	if (WIFEXITED(c->status) && WEXITSTATUS(c->status) == SKIP_STATUS) {
		printf("  (%s skipped: seccomp filters cannot be installed here)\n", test);
		return true;
	}
	return false;
}

static void expect_violation(const struct child *c, const char *who, const char *call)
{
	ASSERT_TRUE(WIFEXITED(c->status));
	ASSERT_EQ(WEXITSTATUS(c->status), SANDBOX_EXIT_VIOLATION);
	ASSERT_STR_CONTAINS(c->err, "smolvm: sandbox violation: ");
	ASSERT_STR_CONTAINS(c->err, who);
	ASSERT_STR_CONTAINS(c->err, call);
}

/* In the child: the SIGSYS report and @role's filter on this (only) thread. */
static void install_alone(enum sandbox_role role, const char *name)
{
	struct log_capture quiet;

	log_capture_begin(&quiet); /* qemu-user's refusal is expected, not news */
	if (violation_install(NULL, NULL) || seccomp_install(role, false))
		_exit(SKIP_STATUS);
	log_capture_end(&quiet);
	violation_name_thread(name);
}

static void vcpu_opens_a_file(void)
{
	install_alone(SANDBOX_VCPU, "vCPU 3");
	open("/dev/null", O_RDONLY);
}

static void vcpu_opens_a_socket(void)
{
	install_alone(SANDBOX_VCPU, "vCPU 2");
	socket(AF_INET, SOCK_STREAM, 0);
}

TEST(sandbox_vcpu_cannot_open_files_or_sockets)
{
	struct child c;

	ASSERT_EQ(run_child(vcpu_opens_a_socket, &c), 0);
	if (skipped(&c, "sandbox_vcpu_cannot_open_files_or_sockets"))
		return;
	expect_violation(&c, "vCPU 2 made the system call socket", "status 4");
	if (!SANITIZED) {
		ASSERT_EQ(run_child(vcpu_opens_a_file, &c), 0);
		expect_violation(&c, "vCPU 3 made the system call openat", "status 4");
	}
}

static void vcpu_execs(void)
{
	install_alone(SANDBOX_VCPU, "vCPU 0");
	execl("/bin/true", "true", (char *)NULL);
}

TEST(sandbox_vcpu_cannot_exec)
{
	struct child c;

	ASSERT_EQ(run_child(vcpu_execs, &c), 0);
	if (!skipped(&c, "sandbox_vcpu_cannot_exec"))
		expect_violation(&c, "vCPU 0", "the system call execve ");
}

/* What vCPU threads do all the time: KVM_RUN (here on a bad fd: the filter looks at the
 * request, the kernel then refuses the fd), console and eventfd writes, virtio-rng, the
 * clock, malloc, locks, kicking another thread. */
static void vcpu_does_its_work(void)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	uint8_t rnd[16];
	struct timespec ts;
	void *big;

	install_alone(SANDBOX_VCPU, "vCPU 0");
	if (ioctl(1000, KVM_RUN, 0) == 0 || errno != EBADF)
		_exit(10);
	if (write(STDERR_FILENO, "", 0) < 0 || getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) < 0)
		_exit(11);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	big = malloc(8 << 20); /* mmap'ed */
	if (!big)
		_exit(12);
	memset(big, 1, 8 << 20);
	free(big);
	pthread_mutex_lock(&lock);
	pthread_mutex_unlock(&lock);
	/* The fatal-signal path may reset its handlers. */
	signal(SIGSEGV, SIG_DFL);
	_exit(0);
}

/* The vCPU kick is a signal to one of our threads; any other process is out of reach. */
static void vcpu_signals(void)
{
	struct sigaction sa = {.sa_handler = SIG_IGN};
	pid_t parent = getppid();

	sigaction(SIGUSR1, &sa, NULL);
	install_alone(SANDBOX_VCPU, "vCPU 0");
	pthread_kill(pthread_self(), SIGUSR1);
	kill(parent, 0);
}

/* Handlers other than the fatal-signal path's stay as they are. */
static void vcpu_sets_a_handler(void)
{
	install_alone(SANDBOX_VCPU, "vCPU 1");
	signal(SIGUSR1, SIG_IGN);
}

TEST(sandbox_vcpu_runs)
{
	struct child c;

	ASSERT_EQ(run_child(vcpu_does_its_work, &c), 0);
	if (skipped(&c, "sandbox_vcpu_runs"))
		return;
	ASSERT_TRUE(WIFEXITED(c.status));
	ASSERT_EQ(WEXITSTATUS(c.status), 0);
	ASSERT_TRUE(!strstr(c.err, "sandbox violation") || !fprintf(stderr, "%s", c.err));
	ASSERT_EQ(run_child(vcpu_signals, &c), 0);
	expect_violation(&c, "vCPU 0", "the system call kill ");
	if (!SANITIZED) {
		ASSERT_EQ(run_child(vcpu_sets_a_handler, &c), 0);
		expect_violation(&c, "vCPU 1", "the system call rt_sigaction ");
	}
}

static void main_runs_a_vcpu(void)
{
	install_alone(SANDBOX_MAIN, "the main thread");
	ioctl(1000, KVM_RUN, 0);
}

TEST(sandbox_main_thread_cannot_run_a_vcpu)
{
	struct child c;

	ASSERT_EQ(run_child(main_runs_a_vcpu, &c), 0);
	if (!skipped(&c, "sandbox_main_thread_cannot_run_a_vcpu"))
		expect_violation(&c, "the main thread made the system call ioctl", "status 4");
}

/* sandbox_lock_down with a device-like thread (blocked in read) and a vCPU thread. */
static struct sandbox lock_sb;
static int dev_pipe[2], report_fd;

static void *device_thread(void *arg)
{
	char byte;

	(void)arg;
	while (read(dev_pipe[0], &byte, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static void *vcpu_thread(void *arg)
{
	static pthread_mutex_t never = PTHREAD_MUTEX_INITIALIZER;
	char line[32];
	int n;

	(void)arg;
	if (sandbox_enter_vcpu(&lock_sb, 0))
		_exit(SKIP_STATUS);
	n = snprintf(line, sizeof(line), "%ld\n", (long)gettid());
	if (write(report_fd, line, (size_t)n) < 0)
		_exit(13);
	/* Waits (futex) until the test kills the process. */
	pthread_mutex_lock(&never);
	pthread_mutex_lock(&never);
	return NULL;
}

static void lock_down_threads(void)
{
	pthread_t dev, vcpu;
	struct log_capture quiet;
	char line[32];
	int n;

	if (pipe(dev_pipe) < 0)
		_exit(14);
	sandbox_init(&lock_sb, true);
	pthread_create(&dev, NULL, device_thread, NULL);
	pthread_create(&vcpu, NULL, vcpu_thread, NULL);
	log_capture_begin(&quiet);
	if (sandbox_lock_down(&lock_sb, 1, NULL, NULL))
		_exit(SKIP_STATUS);
	log_capture_end(&quiet);
	n = snprintf(line, sizeof(line), "%ld\n", (long)gettid());
	if (write(report_fd, line, (size_t)n) < 0)
		_exit(15);
	pthread_join(vcpu, NULL);
}

/* The "Seccomp:" or "Seccomp_filters:" value in /proc/PID/task/TID/status, or -1. */
static long status_field(pid_t pid, long tid, const char *field)
{
	char path[64], line[256];
	size_t len = strlen(field);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%ld/status", (int)pid, tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':')
			v = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return v;
}

TEST(sandbox_lock_down_filters_every_thread)
{
	long vcpu_tid = 0, main_tid = 0, dev_tid;
	int fds[2], status;
	FILE *f;
	pid_t pid;

	ASSERT_EQ(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		report_fd = fds[1];
		lock_down_threads();
		_exit(0);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	/* Two lines come: the vCPU thread's id and the main thread's, in either order. */
	if (!f || fscanf(f, "%ld %ld", &vcpu_tid, &main_tid) != 2) {
		waitpid(pid, &status, 0);
		if (WIFEXITED(status) && WEXITSTATUS(status) == SKIP_STATUS)
			printf("  (sandbox_lock_down_filters_every_thread skipped: no seccomp)\n");
		else
			test_fail(__FILE__, __LINE__, "the child ended early, status 0x%x", status);
		if (f)
			fclose(f);
		return;
	}
	if (vcpu_tid == pid) { /* the main thread's id is the pid */
		vcpu_tid = main_tid;
		main_tid = pid;
	}
	ASSERT_EQ(main_tid, pid);
	/* The device thread is the one left: pid + 1 is not guaranteed, so search. */
	dev_tid = -1;
	for (long t = pid + 1; t < pid + 64; t++)
		if (t != vcpu_tid && status_field(pid, t, "Seccomp") >= 0) {
			dev_tid = t;
			break;
		}
	ASSERT_EQ(status_field(pid, pid, "Seccomp"), 2);
	ASSERT_EQ(status_field(pid, vcpu_tid, "Seccomp"), 2);
	ASSERT_EQ(status_field(pid, dev_tid, "Seccomp"), 2);
	/* Seccomp_filters (Linux 5.9+): process-wide + the thread's own. */
	if (status_field(pid, pid, "Seccomp_filters") >= 0) {
		ASSERT_EQ(status_field(pid, pid, "Seccomp_filters"), 2);
		ASSERT_EQ(status_field(pid, vcpu_tid, "Seccomp_filters"), 2);
		ASSERT_EQ(status_field(pid, dev_tid, "Seccomp_filters"), 1);
	}
	ASSERT_EQ(status_field(pid, pid, "NoNewPrivs"), 1);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	fclose(f);
}
