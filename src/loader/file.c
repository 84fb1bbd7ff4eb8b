// SPDX-License-Identifier: MIT
/* file.c: read-only file mapping with user-facing error messages. */
#include "loader/file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

const char *file_type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO (named pipe)";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFSOCK:
		return "a socket";
	default:
		return "not a file";
	}
}

int file_open_checked(const char *path, int flags, const char *what, bool block_ok, struct stat *st)
{
	int fd;

	/* O_NONBLOCK: opening a FIFO read-only would wait for a writer, forever. */
	fd = open(path, flags | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int err = -errno;

		/* A directory opened for writing fails with EISDIR: say what it is. */
		if (errno == EISDIR) {
			pr_err("%s '%s' is a directory, not a regular file%s", what, path,
			       block_ok ? " or block device" : "");
			return -EINVAL;
		}
		pr_err("cannot open %s '%s'%s: %s", what, path,
		       (flags & O_ACCMODE) == O_RDONLY && block_ok ? " (read-only)" : "",
		       strerror(errno));
		return err;
	}
	if (fstat(fd, st) < 0) {
		int err = -errno;

		pr_err("cannot stat %s '%s': %s", what, path, strerror(errno));
		close(fd);
		return err;
	}
	if (!S_ISREG(st->st_mode) && !(block_ok && S_ISBLK(st->st_mode))) {
		pr_err("%s '%s' is %s, not a regular file%s", what, path,
		       file_type_name(st->st_mode), block_ok ? " or block device" : "");
		close(fd);
		return -EINVAL;
	}
	/* Regular files and block devices do not block; later reads should wait anyway. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		int err = -errno;

		pr_err("cannot use %s '%s': %s", what, path, strerror(errno));
		close(fd);
		return err;
	}
	return fd;
}

int mapped_file_check(const char *path, const char *what)
{
	struct stat st;
	int fd = file_open_checked(path, O_RDONLY, what, false, &st);

	if (fd < 0)
		return fd;
	close(fd);
	if (st.st_size == 0) {
		pr_err("%s '%s' is empty", what, path);
		return -ENOEXEC;
	}
	return 0;
}

int mapped_file_open(struct mapped_file *f, const char *path, const char *what)
{
	struct stat st;
	void *p;
	int fd, err;

	memset(f, 0, sizeof(*f));
	f->path = path;
	fd = file_open_checked(path, O_RDONLY, what, false, &st);
	if (fd < 0)
		return fd;
	if (st.st_size == 0) {
		pr_err("%s '%s' is empty", what, path);
		close(fd);
		return -ENOEXEC;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	err = -errno;
	close(fd);
	if (p == MAP_FAILED) {
		pr_err("cannot map %s '%s': %s", what, path, strerror(-err));
		return err;
	}
	f->data = p;
	f->size = (size_t)st.st_size;
	return 0;
}

void mapped_file_close(struct mapped_file *f)
{
	if (f->data)
		munmap((void *)f->data, f->size);
	f->data = NULL;
	f->size = 0;
}
