// SPDX-License-Identifier: MIT
/* disk_image.c: open, check and lock a disk image. */
#include "disk_image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "loader/file.h"
#include "log.h"

#define SECTOR 512

/* True if fd @fd of process @pid is open on @st's file and holds an OFD lock on it. */
static bool fd_holds_ofd_lock(const char *pid, const char *fd, const struct stat *st)
{
	char path[600], line[256];
	struct stat fst;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/fd/%s", pid, fd);
	if (stat(path, &fst) < 0 || fst.st_dev != st->st_dev || fst.st_ino != st->st_ino)
		return false;
	snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", pid, fd);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "lock:", 5) && strstr(line, "OFDLCK");
	fclose(f);
	return found;
}

static bool process_holds_ofd_lock(const char *pid, const struct stat *st, int own_fd)
{
	char path[300];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	d = opendir(path);
	if (!d)
		return false;
	while (!found && (e = readdir(d)))
		if (e->d_name[0] != '.' && !(own_fd >= 0 && atoi(e->d_name) == own_fd))
			found = fd_holds_ofd_lock(pid, e->d_name, st);
	closedir(d);
	return found;
}

/* The process holding an OFD lock on @st's file (OFD locks have no owner pid, so the
 * processes' open files are searched): this one first, then the others we may see.
 * Returns the pid or -1. @own_fd is ours, which holds no lock. */
static pid_t find_ofd_lock_holder(const struct stat *st, int own_fd)
{
	char self[16];
	struct dirent *e;
	pid_t pid = -1;
	DIR *d;

	snprintf(self, sizeof(self), "%d", (int)getpid());
	if (process_holds_ofd_lock(self, st, own_fd))
		return getpid();
	d = opendir("/proc");
	if (!d)
		return -1;
	while (pid < 0 && (e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && strcmp(e->d_name, self) &&
		    process_holds_ofd_lock(e->d_name, st, -1))
			pid = atoi(e->d_name);
	closedir(d);
	return pid;
}

static void process_name(pid_t pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	buf[0] = 0;
	f = fopen(path, "re");
	if (f) {
		if (fgets(buf, (int)size, f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
	if (!buf[0])
		snprintf(buf, size, "?");
}

/* Someone else holds a lock that conflicts with ours: say who, and how to override. */
static void report_conflict(const struct disk_config *disk, int fd, const struct stat *st,
			    struct flock *want)
{
	static const char override[] = "add ',lock=off' to its --disk to use it anyway";
	struct flock fl = *want;
	const char *kind;
	pid_t pid = -1;
	char name[64];

	if (fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) {
		kind = fl.l_type == F_WRLCK ? "a write lock" : "a read-only (shared) lock";
		/* A POSIX lock names its owner; an OFD lock (QEMU's, ours) says -1. */
		pid = fl.l_pid > 0 ? fl.l_pid : find_ofd_lock_holder(st, fd);
	} else {
		kind = "a lock";
	}
	if (pid == getpid())
		pr_err("disk image '%s' is in use by this smolvm (process %d): another --disk "
		       "holds %s on it; %s",
		       disk->path, (int)pid, kind, override);
	else if (pid > 0) {
		process_name(pid, name, sizeof(name));
		pr_err("disk image '%s' is in use by process %d (%s), which holds %s on it; %s",
		       disk->path, (int)pid, name, kind, override);
	} else
		pr_err("disk image '%s' is in use by another process, which holds %s on it; %s",
		       disk->path, kind, override);
}

static int lock_image(const struct disk_config *disk, int fd, const struct stat *st)
{
	/* The whole file: shared for readers, exclusive for a writer (l_len 0 = to EOF). */
	struct flock fl = {
		.l_type = disk->read_only ? F_RDLCK : F_WRLCK,
		.l_whence = SEEK_SET,
	};

	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	if (errno == EAGAIN || errno == EACCES) {
		report_conflict(disk, fd, st, &fl);
		return -EBUSY;
	}
	/* A file system without locks (some network ones) is not the user's mistake. */
	pr_warn("cannot lock disk image '%s' (%s); using it without a lock", disk->path,
		strerror(errno));
	return 0;
}

int disk_image_open(const struct disk_config *disk, uint64_t *size)
{
	struct stat st;
	off_t end;
	int fd, err;

	fd = file_open_checked(disk->path, disk->read_only ? O_RDONLY : O_RDWR, "disk image", true,
			       &st);
	if (fd < 0)
		return fd;
	end = lseek(fd, 0, SEEK_END);
	if (end < SECTOR) {
		pr_err("disk image '%s' is %s; it needs at least one 512-byte sector", disk->path,
		       end < 0 ? "not seekable" : "too small");
		close(fd);
		return -EINVAL;
	}
	if (!disk->no_lock) {
		err = lock_image(disk, fd, &st);
		if (err) {
			close(fd);
			return err;
		}
	}
	*size = (uint64_t)end;
	return fd;
}
