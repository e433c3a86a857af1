/* SPDX-License-Identifier: MIT */
/*
 * Writes the program of every op sample (tests/op_samples.h) to FILE, for
 * the build to turn into C with `vsf-prog to-c` (tests/CMakeLists.txt).
 * Usage: write_op_samples FILE
 */
#include <stdio.h>
#include <stdlib.h>

#include "op_samples.h"

int main(int argc, char **argv)
{
	struct vsf_buf b = { 0 };
	FILE *f;
	int ok;

	if (argc != 2 || op_samples_program(&b)) {
		fprintf(stderr, "usage: %s FILE\n", argv[0]);
		return 2;
	}
	f = fopen(argv[1], "wb");
	ok = f && fwrite(b.data, 1, b.len, f) == b.len;
	if (f && fclose(f))
		ok = 0;
	free(b.data);
	if (!ok)
		perror(argv[1]);
	return ok ? 0 : 1;
}
