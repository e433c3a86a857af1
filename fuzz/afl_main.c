/* SPDX-License-Identifier: MIT */
/*
 * AFL++ persistent-mode driver with the shared-memory testcase
 * (afl-clang-fast only). Each input is copied into a buffer of exactly its
 * size so that ASan sees overreads, then given to the harness.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__AFL_FUZZ_INIT();

/* One input, in a function of its own so every iteration covers the same blocks. */
__attribute__((noinline)) static void run_one(const unsigned char *shm, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		abort();
	memcpy(copy, shm, len);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
}

int main(void)
{
	__AFL_INIT();
	unsigned char *shm = __AFL_FUZZ_TESTCASE_BUF;

	while (__AFL_LOOP(10000))
		run_one(shm, (size_t)__AFL_FUZZ_TESTCASE_LEN);
	return 0;
}
