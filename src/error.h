/* SPDX-License-Identifier: MIT */
/*
 * Errors: a negative errno plus a short reason a caller can print.
 *
 * An error object is filled at most once; filling it twice is our own bug
 * (the first reason would be lost), so it trips VSF_BUG_ON.
 */
#ifndef VSF_ERROR_H
#define VSF_ERROR_H

#include <stdbool.h>

#define VSF_REASON_MAX 160

struct vsf_error {
	int code; /* 0 or a negative errno */
	char reason[VSF_REASON_MAX];
};

/* Abort on a broken internal invariant. Never reachable from peer input. */
#define VSF_BUG_ON(cond)                                                   \
	do {                                                               \
		if (__builtin_expect(!!(cond), 0))                         \
			vsf_bug(__FILE__, __LINE__, #cond);                \
	} while (0)

_Noreturn void vsf_bug(const char *file, int line, const char *what);

/* Fill err (if not NULL) with code and a formatted reason; returns code. */
int vsf_error_set(struct vsf_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline void vsf_error_clear(struct vsf_error *err)
{
	err->code = 0;
	err->reason[0] = '\0';
}

static inline bool vsf_error_is_set(const struct vsf_error *err)
{
	return err->code != 0;
}

#endif
