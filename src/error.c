/* SPDX-License-Identifier: MIT */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void vsf_bug(const char *file, int line, const char *what)
{
	fprintf(stderr, "vhost-shmem: internal bug at %s:%d: %s\n", file, line, what);
	abort();
}

int vsf_error_set(struct vsf_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	VSF_BUG_ON(code >= 0);
	if (!err)
		return code;
	VSF_BUG_ON(vsf_error_is_set(err));
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
	return code;
}
