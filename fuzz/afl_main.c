/* SPDX-License-Identifier: MIT */
/*
 * AFL++ persistent-mode driver with the shared-memory testcase
 * (afl-clang-fast only). Each input is copied into a buffer of exactly its
 * size so that ASan sees overreads, then given to the harness.
 *
 * Under ASan, LeakSanitizer would only run at process exit, every 10000
 * inputs, and pin a leak on whatever input came last. So, as libFuzzer does,
 * mallocs and frees are counted per input, and when they differ a leak check
 * runs at once; a leak aborts, and AFL++ saves the input that leaked.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define VSF_LEAK_CHECK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VSF_LEAK_CHECK 1
#endif
#endif

#ifdef VSF_LEAK_CHECK
#include <sanitizer/allocator_interface.h>
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* harness.h, when the harness links the executor (weak: fuzz_frontend_process does not). */
__attribute__((weak)) void vsf_harness_forked(void);

__AFL_FUZZ_INIT();

#ifdef VSF_LEAK_CHECK
static size_t mallocs, frees;

static void count_malloc(const volatile void *ptr, size_t size)
{
	(void)ptr;
	(void)size;
	mallocs++;
}

static void count_free(const volatile void *ptr)
{
	(void)ptr;
	frees++;
}

static void leak_check_install(void)
{
	if (!__sanitizer_install_malloc_and_free_hooks(count_malloc, count_free))
		abort();
}

static void leak_check_start(void)
{
	mallocs = frees = 0;
}

/* An input that left allocations behind: a leak aborts (the report is LSan's). */
static void leak_check_end(void)
{
	if (mallocs != frees && __lsan_do_recoverable_leak_check())
		abort();
}
#else
static void leak_check_install(void) {}
static void leak_check_start(void) {}
static void leak_check_end(void) {}
#endif

/* One input, in a function of its own so every iteration covers the same blocks. */
__attribute__((noinline)) static void run_one(const unsigned char *shm, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		abort();
	memcpy(copy, shm, len);
	leak_check_start();
	LLVMFuzzerTestOneInput(copy, len);
	leak_check_end();
	free(copy);
}

int main(void)
{
	leak_check_install();
	__AFL_INIT();
	unsigned char *shm = __AFL_FUZZ_TESTCASE_BUF;

	/* In the child now, before the first __AFL_LOOP, whose coverage it clears. */
	if (vsf_harness_forked)
		vsf_harness_forked();

	while (__AFL_LOOP(10000))
		run_one(shm, (size_t)__AFL_FUZZ_TESTCASE_LEN);
	return 0;
}
