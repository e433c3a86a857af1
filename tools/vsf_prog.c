/* SPDX-License-Identifier: MIT */
/*
 * vsf-prog: convert fuzz programs (scenario/program.h) between binary and text.
 *
 *   vsf-prog to-text [FILE...]       binary -> text on stdout
 *   vsf-prog to-bin [-o OUT] [FILE]  text -> binary, to OUT or stdout
 *   vsf-prog to-c -H HARNESS [-o OUT] [-s SOURCE] [FILE]
 *                                    binary -> a standalone C regression test
 *
 * No FILE, or "-", reads stdin. Exit status: 0 ok, 1 error, 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emit_c.h"
#include "program.h"

static const char *prog = "vsf-prog";

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s to-text [FILE...]       binary program -> text on stdout\n"
		"       %s to-bin [-o OUT] [FILE]  text program -> binary (OUT or stdout)\n"
		"       %s to-c -H HARNESS [-o OUT] [-s SOURCE] [FILE]\n"
		"                                  binary program -> standalone C test that runs\n"
		"                                  it through HARNESS's executor and oracles\n"
		"                                  (SOURCE: where it came from, for its comment)\n"
		"No FILE, or -, reads stdin. Exit status: 0 ok, 1 error, 2 usage.\n",
		prog, prog, prog);
}

/* Read all of path (NULL or "-": stdin), NUL-terminated. 0 or negative errno. */
static int read_all(const char *path, struct vsf_buf *b)
{
	FILE *f = stdin;
	size_t n;
	int ret = 0;

	b->len = 0;
	if (path && strcmp(path, "-")) {
		f = fopen(path, "rb");
		if (!f)
			return -errno;
	}
	for (;;) {
		ret = vsf_buf_append(b, "", 1); /* make room, then read over it */
		if (ret)
			break;
		b->len--;
		n = fread(b->data + b->len, 1, b->cap - b->len, f);
		b->len += n;
		if (n == 0) {
			if (ferror(f))
				ret = -EIO;
			break;
		}
	}
	if (!ret) {
		ret = vsf_buf_append(b, "", 1);
		b->len--;
	}
	if (f != stdin)
		fclose(f);
	else
		clearerr(stdin);
	return ret;
}

static const char *name_of(const char *path)
{
	return path && strcmp(path, "-") ? path : "<stdin>";
}

static int bad_option(void)
{
	if (optopt && strchr("oHs", optopt))
		fprintf(stderr, "%s: option -%c needs an argument\n", prog, optopt);
	else
		fprintf(stderr, "%s: unknown option -%c\n", prog, optopt);
	usage(stderr);
	return 2;
}

static int to_text_one(const char *path, bool header, struct vsf_buf *in)
{
	struct vsf_program p;
	int ret;

	ret = read_all(path, in);
	if (ret) {
		fprintf(stderr, "%s: %s: %s\n", prog, name_of(path), strerror(-ret));
		return 1;
	}
	ret = vsf_program_decode(in->data, in->len, &p);
	if (ret) {
		fprintf(stderr, "%s: %s: %s\n", prog, name_of(path), strerror(-ret));
		return 1;
	}
	if (header)
		printf("# %s\n", name_of(path));
	vsf_program_print(&p, stdout);
	vsf_program_free(&p);
	return 0;
}

static int cmd_to_text(int argc, char **argv)
{
	struct vsf_buf in = { 0 };
	int opt, status = 0;

	while ((opt = getopt(argc, argv, "+h")) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return 0;
		}
		return bad_option();
	}
	if (optind == argc) {
		status = to_text_one(NULL, false, &in);
	} else {
		for (int i = optind; i < argc; i++)
			status |= to_text_one(argv[i], argc - optind > 1, &in);
	}
	free(in.data);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: writing stdout: %s\n", prog, strerror(errno));
		return 1;
	}
	return status;
}

static int write_all(const char *out_path, const struct vsf_buf *b)
{
	FILE *f = stdout;
	const char *name = out_path ? out_path : "stdout";

	if (out_path) {
		f = fopen(out_path, "wb");
		if (!f) {
			fprintf(stderr, "%s: %s: %s\n", prog, name, strerror(errno));
			return 1;
		}
	}
	if ((b->len && fwrite(b->data, 1, b->len, f) != b->len) || fflush(f)) {
		fprintf(stderr, "%s: writing %s: %s\n", prog, name, strerror(errno));
		if (f != stdout)
			fclose(f);
		return 1;
	}
	if (f != stdout && fclose(f)) {
		fprintf(stderr, "%s: writing %s: %s\n", prog, name, strerror(errno));
		return 1;
	}
	return 0;
}

static int cmd_to_bin(int argc, char **argv)
{
	struct vsf_buf text = { 0 }, bin = { 0 };
	const char *out_path = NULL, *path;
	char err[256];
	int opt, ret, status = 1;

	while ((opt = getopt(argc, argv, "+ho:")) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case 'o':
			out_path = optarg;
			break;
		default:
			return bad_option();
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "%s: to-bin takes at most one FILE\n", prog);
		usage(stderr);
		return 2;
	}
	path = optind < argc ? argv[optind] : NULL;
	if (!out_path && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "%s: not writing a binary program to a terminal; "
			"use -o OUT or redirect stdout\n", prog);
		return 1;
	}

	ret = read_all(path, &text);
	if (ret) {
		fprintf(stderr, "%s: %s: %s\n", prog, name_of(path), strerror(-ret));
		goto out;
	}
	if (strlen((char *)text.data) != text.len) {
		fprintf(stderr, "%s: %s: contains a NUL byte; is it a binary program?\n",
			prog, name_of(path));
		goto out;
	}
	ret = vsf_program_parse_text((char *)text.data, &bin, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s: %s: %s\n", prog, name_of(path),
			err[0] ? err : strerror(-ret));
		goto out;
	}
	status = write_all(out_path, &bin);
out:
	free(text.data);
	free(bin.data);
	return status;
}

static int cmd_to_c(int argc, char **argv)
{
	struct vsf_buf in = { 0 };
	struct vsf_program p = { 0 };
	const char *out_path = NULL, *harness = NULL, *source = NULL, *path;
	FILE *out = stdout;
	int opt, ret, status = 1;

	while ((opt = getopt(argc, argv, "+hH:o:s:")) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case 'H':
			harness = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 's':
			source = optarg;
			break;
		default:
			return bad_option();
		}
	}
	if (!harness || argc - optind > 1) {
		fprintf(stderr, "%s: to-c needs -H HARNESS and takes at most one FILE\n", prog);
		usage(stderr);
		return 2;
	}
	path = optind < argc ? argv[optind] : NULL;
	ret = read_all(path, &in);
	if (!ret)
		ret = vsf_program_decode(in.data, in.len, &p);
	if (ret) {
		fprintf(stderr, "%s: %s: %s\n", prog, name_of(path), strerror(-ret));
		goto done;
	}
	if (out_path && !(out = fopen(out_path, "w"))) {
		fprintf(stderr, "%s: %s: %s\n", prog, out_path, strerror(errno));
		goto done;
	}
	if (vsf_emit_c(out, &p, harness, source ? source : name_of(path))) {
		fprintf(stderr, "%s: cannot write a C test for harness '%s' (unknown harness, "
			"an op with no name, or a write error)\n", prog, harness);
	} else {
		status = 0;
	}
	if (out != stdout && fclose(out))
		status = 1;
done:
	vsf_program_free(&p);
	free(in.data);
	return status;
}

int main(int argc, char **argv)
{
	opterr = 0;
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "to-text"))
		return cmd_to_text(argc - 1, argv + 1);
	if (!strcmp(argv[1], "to-bin"))
		return cmd_to_bin(argc - 1, argv + 1);
	if (!strcmp(argv[1], "to-c"))
		return cmd_to_c(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[1]);
	usage(stderr);
	return 2;
}
