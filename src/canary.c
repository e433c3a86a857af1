/* SPDX-License-Identifier: MIT */
/*
 * The canary switch and the Magma-style counters (canary.h). Compiled only
 * into canary builds (-DVSF_CANARIES).
 */
#define _GNU_SOURCE
#include "canary.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const canary_names[VSF_CANARY_COUNT] = {
#define VSF_CANARY_NAME(id, name) [VSF_CANARY_##id] = name,
	VSF_CANARY_LIST(VSF_CANARY_NAME)
#undef VSF_CANARY_NAME
};

_Static_assert(sizeof(((struct vsf_canary_counter *)0)->name) > sizeof("no-reply-on-error"),
	       "every canary name fits a counter's name field");

static struct vsf_canary_counts local_counts;
static struct vsf_canary_counts *counts;
static int active = -1; /* the canary switched on, or -1 */

static void counts_header(struct vsf_canary_counts *c)
{
	memcpy(c->magic, VSF_CANARY_COUNTS_MAGIC, sizeof(c->magic));
	c->count = VSF_CANARY_COUNT;
	for (int i = 0; i < VSF_CANARY_COUNT; i++)
		strncpy(c->counter[i].name, canary_names[i], sizeof(c->counter[i].name) - 1);
}

/*
 * The counters in the file at path, mapped shared so that every process of a
 * campaign adds to them and a process that dies keeps what it counted; NULL
 * (with a warning) if the file cannot be used. The fd is closed at once: the
 * harness counts its open fds.
 */
static struct vsf_canary_counts *map_counts_file(const char *path)
{
	struct vsf_canary_counts *c = MAP_FAILED;
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd >= 0 && fstat(fd, &st) == 0 &&
	    (st.st_size >= (off_t)sizeof(*c) || ftruncate(fd, sizeof(*c)) == 0))
		c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c == MAP_FAILED) {
		fprintf(stderr, "vsf canary: %s: %s; counting in memory\n", path, strerror(errno));
		c = NULL;
	} else if (st.st_size == 0 || !c->magic[0]) {
		/* new, or sized by another process that has not written it yet:
		 * both write the same header */
		counts_header(c);
	} else if (memcmp(c->magic, VSF_CANARY_COUNTS_MAGIC, sizeof(c->magic)) ||
		   c->count != VSF_CANARY_COUNT) {
		fprintf(stderr, "vsf canary: %s is not a counts file of this build; counting in memory\n",
			path);
		munmap(c, sizeof(*c));
		c = NULL;
	}
	if (fd >= 0)
		close(fd);
	return c;
}

/* Read the environment once. A canary name that does not exist is a
 * mistake in the run's set-up: stop rather than run without it. */
static void canary_init(void)
{
	const char *name = getenv("VSF_CANARY");
	const char *path = getenv("VSF_CANARY_COUNTS");

	if (name && *name) {
		for (int i = 0; i < VSF_CANARY_COUNT; i++)
			if (!strcmp(name, canary_names[i]))
				active = i;
		if (active < 0) {
			fprintf(stderr, "vsf canary: VSF_CANARY=%s names no canary\n", name);
			abort();
		}
	}
	counts_header(&local_counts);
	counts = path && *path ? map_counts_file(path) : NULL;
	if (!counts)
		counts = &local_counts;
}

bool vsf_canary_hit(enum vsf_canary_id id, bool triggered)
{
	if (!counts)
		canary_init();
	__atomic_add_fetch(&counts->counter[id].reached, 1, __ATOMIC_RELAXED);
	if (triggered)
		__atomic_add_fetch(&counts->counter[id].triggered, 1, __ATOMIC_RELAXED);
	return triggered && (int)id == active;
}

static void print_counts(const struct vsf_canary_counts *c, FILE *out)
{
	for (uint32_t i = 0; i < c->count && i < VSF_CANARY_COUNT; i++)
		if (c->counter[i].reached)
			fprintf(out, "==vsf== canary %-18s reached %llu triggered %llu\n",
				c->counter[i].name, (unsigned long long)c->counter[i].reached,
				(unsigned long long)c->counter[i].triggered);
}

void vsf_canary_report(FILE *out)
{
	if (!counts)
		canary_init();
	fprintf(out, "==vsf== canary switched on: %s\n", active >= 0 ? canary_names[active] : "none");
	print_counts(counts, out);
}

int vsf_canary_print_file(const char *path, FILE *out)
{
	struct vsf_canary_counts c;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, &c, sizeof(c));
	int ret = n < 0 ? -errno : 0;

	if (fd >= 0)
		close(fd);
	if (ret < 0)
		return ret;
	if (n != (ssize_t)sizeof(c) || memcmp(c.magic, VSF_CANARY_COUNTS_MAGIC, sizeof(c.magic)))
		return -EINVAL;
	print_counts(&c, out);
	return 0;
}
