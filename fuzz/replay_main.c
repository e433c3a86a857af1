/* SPDX-License-Identifier: MIT */
/*
 * Engine-free main(): runs a harness over files and directories of inputs,
 * so every harness is also a plain program (CTest replays the corpus with
 * it, and a crash report reproduces without a fuzzer). Each input is copied
 * into a buffer of exactly its size (ASan sees any overread), run twice (a
 * second run whose digest of what the front-end did differs from the first
 * is a stability bug, reported as NONDETERMINISTIC), and timed out on its own.
 *
 * Usage: <harness>_replay [-t SECONDS] [-d] FILE|DIR...
 *   -d  print each input's run digest ("digest 0x... PATH") on stdout, so two
 *       builds can be compared input by input (a refactoring must not change
 *       what the front-end does for any committed input).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#define RUNS_PER_INPUT 2

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *current_input;
static bool print_digests;

static void on_timeout(int sig)
{
	static const char msg[] = "\n==vsf== TIMEOUT replaying ";

	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	(void)!write(2, current_input, strlen(current_input));
	(void)!write(2, "\n", 1);
	abort();
}

static int replay_file(const char *path, unsigned timeout)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	uint64_t digest[RUNS_PER_INPUT];
	long len;

	if (!fp || fseek(fp, 0, SEEK_END) < 0 || (len = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) < 0)
		goto err;
	buf = malloc(len ? (size_t)len : 1);
	if (!buf || fread(buf, 1, (size_t)len, fp) != (size_t)len)
		goto err;
	fclose(fp);
	current_input = path;
	fprintf(stderr, "replay: %s (%ld bytes)\n", path, len);
	for (int i = 0; i < RUNS_PER_INPUT; i++) {
		alarm(timeout);
		LLVMFuzzerTestOneInput(buf, (size_t)len);
		alarm(0);
		digest[i] = vsf_harness_last_digest();
		if (digest[i] != digest[0]) {
			fprintf(stderr,
				"\n==vsf== NONDETERMINISTIC: %s: run 1 digest 0x%016llx, run %d digest 0x%016llx\n",
				path, (unsigned long long)digest[0], i + 1,
				(unsigned long long)digest[i]);
			abort();
		}
	}
	if (print_digests)
		printf("digest 0x%016llx %s\n", (unsigned long long)digest[0], path);
	free(buf);
	return 0;
err:
	fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(errno));
	if (fp)
		fclose(fp);
	free(buf);
	return -1;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay a directory's regular files in name order; returns inputs run or -1. */
static int replay_dir(const char *dir, unsigned timeout)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int ran = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				abort();
		}
		if (asprintf(&names[n++], "%s/%s", dir, e->d_name) < 0)
			abort();
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(names[i], timeout) < 0)
				ran = -1;
			else if (ran >= 0)
				ran++;
		}
		free(names[i]);
	}
	free(names);
	return ran;
}

int main(int argc, char **argv)
{
	unsigned timeout = 10;
	int opt, total = 0;

	while ((opt = getopt(argc, argv, "t:d")) != -1) {
		if (opt == 'd') {
			print_digests = true;
			continue;
		}
		if (opt != 't') {
			fprintf(stderr, "usage: %s [-t SECONDS] [-d] FILE|DIR...\n", argv[0]);
			return 2;
		}
		timeout = (unsigned)strtoul(optarg, NULL, 10);
	}
	if (optind == argc) {
		fprintf(stderr, "usage: %s [-t SECONDS] [-d] FILE|DIR...\n", argv[0]);
		return 2;
	}
	signal(SIGALRM, on_timeout);
	for (int i = optind; i < argc; i++) {
		struct stat st;
		int n;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		n = S_ISDIR(st.st_mode) ? replay_dir(argv[i], timeout) : replay_file(argv[i], timeout) == 0;
		if (n < 0)
			return 1;
		total += n;
	}
	if (!total) {
		fprintf(stderr, "replay: no input found\n");
		return 1;
	}
	printf("replay: %d inputs, each run %d times, no finding\n", total, RUNS_PER_INPUT);
	return 0;
}
