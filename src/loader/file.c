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

int mapped_file_open(struct mapped_file *f, const char *path, const char *what)
{
	struct stat st;
	void *p;
	int fd, err;

	memset(f, 0, sizeof(*f));
	f->path = path;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_err("cannot open %s '%s': %s", what, path, strerror(errno));
		return err;
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		pr_err("cannot stat %s '%s': %s", what, path, strerror(errno));
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		pr_err("%s '%s' is not a regular file", what, path);
		close(fd);
		return -EINVAL;
	}
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
