// SPDX-License-Identifier: MIT
/* test_inputs.c: files the user names that cannot be used: a FIFO (which used to hang
 * smolvm in open()), a directory, a character device, as kernel/initrd/dtb and as disk;
 * and disk image locks (a second user of a read-write image is refused). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "loader/file.h"
#include "log_capture.h"
#include "test.h"
#include "virtio_driver.h"

#define IMG_TMPL "/tmp/smolvm-inputs-XXXXXX"

/* Runs @fn(@arg) in a child process that is killed if it takes more than 5 s: a test of
 * something that used to block forever fails instead of hanging the suite. Returns the
 * child's exit status, or -1 if it hung. */
static int bounded(int (*fn)(const char *), const char *arg)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		alarm(5);
		_exit(fn(arg));
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -2;
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -3;
}

/* Exit status 0 if mapped_file_open() refused @path with -EINVAL, naming it. */
static int kernel_refused(const char *path)
{
	struct mapped_file f;
	struct log_capture c;
	char *log;
	int err, ok;

	log_capture_begin(&c);
	err = mapped_file_open(&f, path, "kernel");
	log = log_capture_end(&c);
	ok = err == -EINVAL && strstr(log, path) && strstr(log, "kernel");
	free(log);
	return ok ? 0 : 1;
}

static char *make_fifo(void)
{
	static char path[64];
	char dir[] = "/tmp/smolvm-fifo-XXXXXX";

	if (!mkdtemp(dir))
		return NULL;
	snprintf(path, sizeof(path), "%s/fifo", dir);
	if (mkfifo(path, 0600) < 0)
		return NULL;
	return path;
}

static void remove_fifo(char *path)
{
	unlink(path);
	*strrchr(path, '/') = 0;
	rmdir(path);
}

TEST(input_fifo_as_kernel_is_refused_without_hanging)
{
	char *fifo = make_fifo();

	ASSERT_TRUE(fifo != NULL);
	if (!fifo)
		return;
	ASSERT_EQ(bounded(kernel_refused, fifo), 0);
	remove_fifo(fifo);
}

TEST(input_file_type_named_in_the_message)
{
	static const struct {
		const char *path, *type;
	} cases[] = {
		{"/tmp", "a directory"},
		{"/dev/null", "a character device"},
	};
	char *fifo = make_fifo();

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct mapped_file f;
		struct log_capture c;
		char *log;

		log_capture_begin(&c);
		ASSERT_EQ(mapped_file_open(&f, cases[i].path, "initrd"), -EINVAL);
		log = log_capture_end(&c);
		ASSERT_STR_CONTAINS(log, cases[i].path);
		ASSERT_STR_CONTAINS(log, cases[i].type);
		ASSERT_STR_CONTAINS(log, "initrd");
		free(log);
	}
	ASSERT_TRUE(fifo != NULL);
	if (fifo) {
		struct mapped_file f;
		struct log_capture c;
		char *log;
		int fd = open(fifo, O_RDWR); /* a writer: open() alone would not block */

		log_capture_begin(&c);
		ASSERT_EQ(mapped_file_open(&f, fifo, "device tree"), -EINVAL);
		log = log_capture_end(&c);
		ASSERT_STR_CONTAINS(log, "a FIFO");
		free(log);
		close(fd);
		remove_fifo(fifo);
	}
}

/* Exit status 0 if virtio-blk refused @path, read-write and read-only (whose O_RDONLY
 * open of a FIFO is the one that blocks), as an input error naming it. */
static int disk_refused(const char *path)
{
	int ok = 1;

	for (int ro = 0; ro < 2; ro++) {
		struct vm *vm = vdrv_vm_new(1 << 20);
		struct log_capture c;
		char *log;
		int err;

		log_capture_begin(&c);
		err = virtio_blk_add(&vm->devices, path, ro);
		log = log_capture_end(&c);
		ok &= err == -EINVAL && vm->devices.input_error && strstr(log, path) &&
		      strstr(log, "disk image") && vdrv_nr_virtio(vm) == 0;
		free(log);
		vdrv_vm_free(vm);
	}
	return ok ? 0 : 1;
}

TEST(input_fifo_as_disk_is_refused_without_hanging)
{
	char *fifo = make_fifo();

	ASSERT_TRUE(fifo != NULL);
	if (!fifo)
		return;
	ASSERT_EQ(bounded(disk_refused, fifo), 0);
	remove_fifo(fifo);
	ASSERT_EQ(bounded(disk_refused, "/dev/null"), 0);
	ASSERT_EQ(bounded(disk_refused, "/tmp"), 0);
}

/* Disk locks: like QEMU, a read-write image is exclusive, a read-only one shared. */
static int add_disk(struct vm *vm, const char *path, bool ro, char **log)
{
	struct log_capture c;
	int err;

	log_capture_begin(&c);
	err = virtio_blk_add(&vm->devices, path, ro);
	*log = log_capture_end(&c);
	return err;
}

TEST(input_disk_lock_read_write_is_exclusive)
{
	char path[] = IMG_TMPL;
	int fd = vdrv_make_image(path, 4096);
	struct vm *vm = vdrv_vm_new(1 << 20);
	char *log, pid[32];

	ASSERT_TRUE(fd >= 0);
	close(fd);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	ASSERT_EQ(add_disk(vm, path, false, &log), 0);
	free(log);
	/* The same image again, read-write or read-only: refused, naming it and the holder
	 * (this very process). */
	for (int ro = 0; ro < 2; ro++) {
		ASSERT_EQ(add_disk(vm, path, ro, &log), -EBUSY);
		ASSERT_STR_CONTAINS(log, path);
		ASSERT_STR_CONTAINS(log, "lock=off");
		ASSERT_STR_CONTAINS(log, pid);
		free(log);
		ASSERT_TRUE(vm->devices.input_error);
		vm->devices.input_error = false;
	}
	ASSERT_EQ(vdrv_nr_virtio(vm), 1);
	vdrv_vm_free(vm);
	/* Released with the device: the image can be used again. */
	vm = vdrv_vm_new(1 << 20);
	ASSERT_EQ(add_disk(vm, path, false, &log), 0);
	free(log);
	vdrv_vm_free(vm);
	unlink(path);
}

TEST(input_disk_lock_read_only_is_shared)
{
	char path[] = IMG_TMPL;
	int fd = vdrv_make_image(path, 4096);
	struct vm *vm = vdrv_vm_new(1 << 20);
	char *log;

	ASSERT_TRUE(fd >= 0);
	close(fd);
	ASSERT_EQ(add_disk(vm, path, true, &log), 0);
	free(log);
	ASSERT_EQ(add_disk(vm, path, true, &log), 0);
	free(log);
	/* But no writer while readers hold it. */
	ASSERT_EQ(add_disk(vm, path, false, &log), -EBUSY);
	ASSERT_STR_CONTAINS(log, path);
	free(log);
	ASSERT_EQ(vdrv_nr_virtio(vm), 2);
	vdrv_vm_free(vm);
	unlink(path);
}

/* Another process's lock (a POSIX lock, as lockf() or QEMU's older versions take): refused
 * naming that process. */
TEST(input_disk_lock_held_by_another_process)
{
	char path[] = IMG_TMPL, pid_text[32];
	int fd = vdrv_make_image(path, 4096), ready[2], go[2];
	struct vm *vm;
	char *log, c;
	pid_t pid;

	ASSERT_TRUE(fd >= 0);
	close(fd);
	ASSERT_EQ(pipe(ready), 0);
	ASSERT_EQ(pipe(go), 0);
	pid = fork();
	if (pid == 0) {
		struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
		int lfd = open(path, O_RDONLY);

		alarm(10);
		if (lfd < 0 || fcntl(lfd, F_SETLK, &fl) < 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	ASSERT_TRUE(pid > 0);
	ASSERT_EQ(read(ready[0], &c, 1), 1);
	snprintf(pid_text, sizeof(pid_text), "%d", (int)pid);
	vm = vdrv_vm_new(1 << 20);
	ASSERT_EQ(add_disk(vm, path, false, &log), -EBUSY);
	ASSERT_STR_CONTAINS(log, path);
	ASSERT_STR_CONTAINS(log, pid_text);
	free(log);
	/* A shared lock does not keep other readers out. */
	ASSERT_EQ(add_disk(vm, path, true, &log), 0);
	free(log);
	ASSERT_EQ(write(go[1], "g", 1), 1);
	waitpid(pid, NULL, 0);
	vdrv_vm_free(vm);
	for (int i = 0; i < 2; i++) {
		close(ready[i]);
		close(go[i]);
	}
	unlink(path);
}

TEST(input_disk_option_lock_off)
{
	static const struct {
		const char *arg;
		bool ro, no_lock;
	} ok[] = {
		{"a.img", false, false},
		{"a.img,ro", true, false},
		{"a.img,lock=off", false, true},
		{"a.img,ro,lock=off", true, true},
		{"a.img,lock=off,ro", true, true},
		{"a.img,lock=off,lock=on", false, false},
		{"a.img,rw,lock=on", false, false},
	};
	static const char *const bad[] = {"a.img,lock=maybe", "a.img,ro,", "a.img,lock", ",ro"};

	for (unsigned i = 0; i < ARRAY_SIZE(ok); i++) {
		struct disk_config d;
		char arg[64];

		snprintf(arg, sizeof(arg), "%s", ok[i].arg);
		ASSERT_EQ(config_parse_disk(arg, &d), 0);
		ASSERT_TRUE(!strcmp(d.path, "a.img"));
		ASSERT_EQ(d.read_only, ok[i].ro);
		ASSERT_EQ(d.no_lock, ok[i].no_lock);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		struct disk_config d;
		struct log_capture c;
		char arg[64], *log;

		snprintf(arg, sizeof(arg), "%s", bad[i]);
		log_capture_begin(&c);
		ASSERT_EQ(config_parse_disk(arg, &d), -EINVAL);
		log = log_capture_end(&c);
		ASSERT_STR_CONTAINS(log, "--disk");
		free(log);
	}
}

/* lock=off: the image is shared with whoever holds it. */
TEST(input_disk_lock_off_shares_the_image)
{
	char path[] = IMG_TMPL;
	int fd = vdrv_make_image(path, 4096);
	struct vm *vm = vdrv_vm_new(1 << 20);
	struct disk_config d = {.path = path, .no_lock = true};
	char *log;

	ASSERT_TRUE(fd >= 0);
	close(fd);
	ASSERT_EQ(add_disk(vm, path, false, &log), 0);
	free(log);
	ASSERT_EQ(virtio_blk_add_disk(&vm->devices, &d), 0);
	d.read_only = true;
	ASSERT_EQ(virtio_blk_add_disk(&vm->devices, &d), 0);
	ASSERT_EQ(vdrv_nr_virtio(vm), 3);
	vdrv_vm_free(vm);
	unlink(path);
}
