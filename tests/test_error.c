/* SPDX-License-Identifier: MIT */
/* Errors (src/error.h): a negative errno and its reason, for a caller that keeps one or not. */
#include <errno.h>

#include "error.h"
#include "vsf_test.h"

/* A caller that wants no reason passes no error: it gets the code all the same. */
TEST(error_set_without_an_error_returns_the_code)
{
	CHECK_EQ(vsf_error_set(NULL, -ENOMEM, "reserving %d bytes", 4096), -ENOMEM);
}
