/* SPDX-License-Identifier: MIT */
/*
 * AFL++'s adapter of the program mutator (fuzz/mutator_afl.c): every call
 * hands back a changed input of 1..max_size bytes, also when no program
 * mutation fits (AFL++ 4.04 aborts a campaign on a size of 0).
 */
#include <stdlib.h>
#include <string.h>

#include "vsf_test.h"

void *afl_custom_init(void *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
		       uint8_t *add_buf, size_t add_buf_size, size_t max_size);
void afl_custom_deinit(void *data);

static void check_call(void *am, uint8_t *buf, size_t n, size_t max_size)
{
	uint8_t *out = NULL;
	uint8_t *before = malloc(n ? n : 1);
	size_t got;

	SETUP(before);
	memcpy(before, buf, n);
	got = afl_custom_fuzz(am, buf, n, &out, NULL, 0, max_size);
	CHECK(got > 0 && got <= max_size);
	CHECK(out != NULL);
	if (out && got == n)
		CHECK(memcmp(out, before, n) != 0);
	free(before);
}

TEST(always_a_changed_input)
{
	void *am = afl_custom_init(NULL, 7);
	uint8_t buf[64];

	SETUP(am);
	/* Empty, tiny, garbage, and inputs at the size limit (nothing fits). */
	check_call(am, buf, 0, 1 << 20);
	for (unsigned i = 0; i < 2000; i++) {
		size_t n = 1 + rand() % sizeof(buf);

		for (size_t k = 0; k < n; k++)
			buf[k] = (uint8_t)rand();
		check_call(am, buf, n, 1 << 20);
		check_call(am, buf, n, n);
		check_call(am, buf, n, 1);
	}
	afl_custom_deinit(am);
}
