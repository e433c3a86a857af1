/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "target_state.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "probes.h"
#include "proc_view.h"

/* More mappings than a QEMU has; past them the state is not comparable. */
#define MAX_MAPPINGS 4096

struct line_list {
	char **v;
	size_t n, cap;
	int err;
};

static void add_line(struct line_list *l, char *line)
{
	if (!line) {
		l->err = -ENOMEM;
		return;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			free(line);
			l->err = -ENOMEM;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = line;
}

/* An fd's kind: the numbers in "socket:[123]" and "pipe:[45]" name one
 * object of many alike; anything else (a path, an anon_inode) is kept. */
static char *fd_kind(const char *path)
{
	const char *bracket = strstr(path, ":[");
	char *out = NULL;

	if (bracket && strncmp(path, "anon_inode:", 11) != 0)
		return asprintf(&out, "fd %.*s", (int)(bracket - path), path) < 0 ? NULL : out;
	return asprintf(&out, "fd %s", path) < 0 ? NULL : out;
}

static void read_fds(struct line_list *l, pid_t pid, const struct file_id *log)
{
	uint64_t bits[PROBE_FD_SCAN_LIMIT / 64] = { 0 };
	int n = proc_fd_set(pid, bits, PROBE_FD_SCAN_LIMIT);

	if (n < 0) {
		l->err = n;
		return;
	}
	for (int fd = 0; fd < PROBE_FD_SCAN_LIMIT; fd++) {
		char path[256];

		if (!(bits[fd / 64] >> (fd % 64) & 1))
			continue;
		char link[64];
		struct stat st;

		proc_fd_path(pid, fd, path, sizeof(path));
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
		if (!path[0]) /* closed meanwhile: not part of any state */
			continue;
		if (log && stat(link, &st) == 0 && st.st_dev == log->dev && st.st_ino == log->ino)
			add_line(l, strdup("fd (its log)")); /* a name of its own in each target */
		else
			add_line(l, fd_kind(path));
	}
}

static bool shared_or_file(const struct proc_mapping *m, const void *arg)
{
	(void)arg;
	return m->file.ino != 0 || m->perms[3] == 's';
}

static void read_mappings(struct line_list *l, pid_t pid)
{
	static struct proc_mapping maps[MAX_MAPPINGS];
	int n = proc_mappings_where(pid, shared_or_file, NULL, maps, MAX_MAPPINGS);

	if (n < 0 || n > MAX_MAPPINGS) {
		l->err = n < 0 ? n : -E2BIG;
		return;
	}
	for (int i = 0; i < n; i++) {
		const struct proc_mapping *m = &maps[i];
		char *line = NULL;

		/* Not where: each process has its own layout (ASLR). */
		if (asprintf(&line, "map len %llx %s %llx %llx:%llu",
			     (unsigned long long)(m->end - m->start), m->perms,
			     (unsigned long long)m->offset,
			     (unsigned long long)m->file.dev, (unsigned long long)m->file.ino) < 0)
			line = NULL;
		add_line(l, line);
	}
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int target_state_read(struct target_state *s, pid_t pid, const struct file_id *log,
		      const char *startup)
{
	struct line_list l = { 0 };
	size_t len = 1;

	memset(s, 0, sizeof(*s));
	read_fds(&l, pid, log);
	if (!l.err)
		read_mappings(&l, pid);
	qsort(l.v, l.n, sizeof(*l.v), line_cmp);
	for (size_t i = 0; i < l.n; i++)
		len += strlen(l.v[i]) + 1;
	s->lines = l.err ? NULL : malloc(len);
	s->startup = l.err ? NULL : strdup(startup);
	if (s->lines) {
		char *p = s->lines;

		for (size_t i = 0; i < l.n; i++)
			p += sprintf(p, "%s\n", l.v[i]);
		*p = '\0';
	}
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	if (!l.err && (!s->lines || !s->startup))
		l.err = -ENOMEM;
	if (l.err)
		target_state_free(s);
	return l.err;
}

bool target_state_same_startup(const struct target_state *a, const struct target_state *b)
{
	return a->startup && b->startup && !strcmp(a->startup, b->startup);
}

/* The length of the line at p, without its '\n'. */
static size_t line_len(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? (size_t)(nl - p) : strlen(p);
}

bool target_state_same(const struct target_state *baseline, const struct target_state *now,
		       char *why, size_t len)
{
	const char *a = baseline->lines, *b = now->lines;

	if (len)
		why[0] = '\0';
	if (!target_state_same_startup(baseline, now)) {
		snprintf(why, len, "another start-up: %s", now->startup ? now->startup : "?");
		return false;
	}
	/* Both sorted: walk them together to the first line one lacks. */
	while (*a || *b) {
		size_t la = line_len(a), lb = line_len(b);
		int c = !*a ? 1 : !*b ? -1 : strncmp(a, b, la < lb ? la : lb);

		if (c == 0 && *a && *b) /* as strcmp orders a line before a longer one */
			c = (la > lb) - (la < lb);
		if (c == 0) {
			a += la + (a[la] == '\n');
			b += lb + (b[lb] == '\n');
			continue;
		}
		if (c < 0)
			snprintf(why, len, "- %.*s", (int)la, a);
		else
			snprintf(why, len, "+ %.*s", (int)lb, b);
		return false;
	}
	return true;
}

void target_state_free(struct target_state *s)
{
	free(s->lines);
	free(s->startup);
	s->lines = s->startup = NULL;
}
