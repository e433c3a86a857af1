/* SPDX-License-Identifier: MIT */
/*
 * The front-end when memory runs out: vsf_frontend_new fails with -ENOMEM
 * and leaves nothing allocated. The library's calloc and malloc reach
 * libc (or the sanitizer's allocator) through the wrappers below: this
 * test is linked with ld's --wrap for both (tests/CMakeLists.txt), and a
 * wrapper fails the next call when armed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vsf_test.h"

void *__real_calloc(size_t n, size_t size);
void *__real_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_malloc(size_t size);

static bool fail_next_calloc, fail_next_malloc;

void *__wrap_calloc(size_t n, size_t size)
{
	if (fail_next_calloc) {
		fail_next_calloc = false;
		errno = ENOMEM;
		return NULL;
	}
	return __real_calloc(n, size);
}

void *__wrap_malloc(size_t size)
{
	if (fail_next_malloc) {
		fail_next_malloc = false;
		errno = ENOMEM;
		return NULL;
	}
	return __real_malloc(size);
}

/* The front-end's own struct, then its receive buffer, cannot be had:
 * -ENOMEM, *out untouched (LeakSanitizer, at exit, sees nothing left). */
TEST(new_fails_with_enomem_when_memory_runs_out)
{
	struct vsf_frontend *fe = NULL, *const untouched = (struct vsf_frontend *)&fe;

	/* A front-end as usual first, so that whatever is set up once on a
	 * first call (a mutation build's counters) does not meet the failure. */
	CHECK_EQ(vsf_frontend_new(NULL, &fe), 0);
	CHECK(fe && vsf_frontend_backend_fd(fe) == -1);
	vsf_frontend_free(fe);
	fe = untouched;
	fail_next_calloc = true;
	CHECK_EQ(vsf_frontend_new(NULL, &fe), -ENOMEM);
	CHECK(fe == untouched);
	CHECK(!fail_next_calloc);
	fail_next_malloc = true;
	CHECK_EQ(vsf_frontend_new(NULL, &fe), -ENOMEM);
	CHECK(fe == untouched);
	CHECK(!fail_next_malloc);
}

/* A region whose record cannot be allocated is not added: -ENOMEM with a
 * reason, no reservation, and the same region can be added afterwards. */
TEST(add_region_fails_with_enomem_when_memory_runs_out)
{
	struct vsf_region_info ri;
	struct fixture f;

	fixture_init(&f, ALL_PROTOCOL_FEATURES, NULL);
	fail_next_calloc = true;
	CHECK_EQ(vsf_frontend_add_region(f.fe, 7, 4 * f.page), -ENOMEM);
	CHECK(!fail_next_calloc);
	CHECK(strstr(vsf_frontend_last_error(f.fe), "out of memory") != NULL);
	CHECK_EQ(vsf_frontend_region_count(f.fe), 0);
	CHECK(!vsf_frontend_region(f.fe, 7, &ri));
	CHECK_EQ(vsf_frontend_add_region(f.fe, 7, 4 * f.page), 0);
	CHECK(vsf_frontend_region(f.fe, 7, &ri));
	CHECK_EQ(ri.size, 4 * f.page);
	fixture_fini(&f);
}
