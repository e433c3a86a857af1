/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "proc_view.h"

int file_id_of_fd(int fd, struct file_id *id)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return 0;
}

static bool file_in(const struct file_id *ids, size_t n, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i].dev == dev && ids[i].ino == ino)
			return true;
	return false;
}

/*
 * Entries of /proc/PID/fd: all of them, or those open on one of ids; or
 * -errno. With bits, the numbers below hi are marked there.
 */
static int each_fd(pid_t pid, const struct file_id *ids, size_t n, bool only_matching,
		   uint64_t *bits, int hi, int *first)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int count = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if (bits) {
			long fd = strtol(e->d_name, NULL, 10);

			if (fd >= 0 && fd < hi)
				bits[fd / 64] |= 1ull << (fd % 64);
		}
		if (!only_matching) {
			count++;
			continue;
		}
		/* stat follows the magic link to the open file itself. */
		if (fstatat(dirfd(d), e->d_name, &st, 0) == 0 && file_in(ids, n, st.st_dev, st.st_ino)) {
			if (first && !count++)
				*first = (int)strtol(e->d_name, NULL, 10);
			else if (!first)
				count++;
		}
	}
	closedir(d);
	return count;
}

int proc_fd_count(pid_t pid)
{
	return each_fd(pid, NULL, 0, false, NULL, 0, NULL);
}

int proc_fd_set(pid_t pid, uint64_t bits[], int hi)
{
	memset(bits, 0, (size_t)hi / 8);
	return each_fd(pid, NULL, 0, false, bits, hi, NULL);
}

int proc_fds_on_files(pid_t pid, const struct file_id *ids, size_t n, int *first)
{
	return each_fd(pid, ids, n, true, NULL, 0, first);
}

void proc_fd_path(pid_t pid, int fd, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	n = readlink(path, buf, len ? len - 1 : 0);
	if (len)
		buf[n > 0 ? n : 0] = '\0';
}

int proc_mappings_where(pid_t pid, bool (*keep)(const struct proc_mapping *m, const void *arg),
			const void *arg, struct proc_mapping *out, size_t max)
{
	char path[64], line[512];
	FILE *fp;
	int count = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fp = fopen(path, "re");
	if (!fp)
		return -errno;
	while (fgets(line, sizeof(line), fp)) {
		struct proc_mapping m;
		unsigned maj, min;
		uint64_t ino;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %" SCNu64, &m.start,
			   &m.end, m.perms, &m.offset, &maj, &min, &ino) != 7)
			continue;
		m.file.dev = makedev(maj, min);
		m.file.ino = (ino_t)ino;
		if (!keep(&m, arg))
			continue;
		if ((size_t)count < max)
			out[count] = m;
		count++;
	}
	fclose(fp);
	return count;
}

bool proc_mapping_is_reservation(const struct proc_mapping *m, const void *arg)
{
	(void)arg;
	return !m->file.ino && !strcmp(m->perms, "---p");
}

struct file_list {
	const struct file_id *ids;
	size_t n;
};

static bool of_files(const struct proc_mapping *m, const void *arg)
{
	const struct file_list *fl = arg;

	return m->file.ino && file_in(fl->ids, fl->n, m->file.dev, m->file.ino);
}

int proc_mappings_of(pid_t pid, const struct file_id *ids, size_t n, struct proc_mapping *out,
		     size_t max)
{
	struct file_list fl = { ids, n };

	return proc_mappings_where(pid, of_files, &fl, out, max);
}

ssize_t proc_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	return n < 0 ? -errno : n;
}
