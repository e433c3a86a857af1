/* SPDX-License-Identifier: MIT */
/*
 * vsf-canary-counts FILE: print the bug-zoo counters a campaign wrote to
 * FILE (VSF_CANARY_COUNTS=FILE, mutation/runtime/canary.h): how often each
 * canary site was reached and how often its bad condition held. Canary
 * builds only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "canary.h"

int main(int argc, char **argv)
{
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE   (a VSF_CANARY_COUNTS file)\n", argv[0]);
		return 2;
	}
	ret = vsf_canary_print_file(argv[1], stdout);
	if (ret < 0) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1],
			ret == -EINVAL ? "not a canary counts file" : strerror(-ret));
		return 1;
	}
	return 0;
}
