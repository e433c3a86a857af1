/* SPDX-License-Identifier: MIT */
/* Calls each function of sample.c's schema copy once (tests/mutation_schema.sh)
 * and prints what they returned and how often count() was called. */
#include <stdio.h>

#include "sample.h"

int main(void)
{
	int r[] = { less(2, 2), mask(5, 2), shift_zero(0, 2), add(7, 0), take(7, 2), either(0, 0),
		    both(1, 1), positive(1), same(0), counted(0) };

	for (unsigned i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		printf("%d ", r[i]);
	printf("calls %d\n", calls);
	return 0;
}
