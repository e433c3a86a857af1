/* SPDX-License-Identifier: MIT */
/* What the canaries' and the mutants' switches share (switches.h). */
#define _GNU_SOURCE
#include "switches.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The fd is closed at once: the harness counts its open fds. */
void *vsf_counts_file_map(const char *path, size_t size, const char *magic, uint32_t count,
			  void (*write_head)(void *), const char *who)
{
	struct vsf_counts_head *c = MAP_FAILED;
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd >= 0 && fstat(fd, &st) == 0 &&
	    (st.st_size >= (off_t)size || ftruncate(fd, size) == 0))
		c = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c == MAP_FAILED) {
		fprintf(stderr, "vsf %s: %s: %s; counting in memory\n", who, path, strerror(errno));
		c = NULL;
	} else if (st.st_size == 0 || !c->magic[0]) {
		/* new, or sized by another process that has not written it yet:
		 * both write the same header */
		write_head(c);
	} else if (memcmp(c->magic, magic, sizeof(c->magic)) || c->count != count) {
		fprintf(stderr, "vsf %s: %s is not a counts file of this build; counting in memory\n",
			who, path);
		munmap(c, size);
		c = NULL;
	}
	if (fd >= 0)
		close(fd);
	return c;
}

long vsf_switch_from_env(const char *var, const char *const names[], unsigned n, const char *who)
{
	const char *name = getenv(var);

	if (!name || !*name)
		return -1;
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(name, names[i]))
			return i;
	fprintf(stderr, "vsf %s: %s=%s names no %s of this build\n", who, var, name, who);
	abort();
}
