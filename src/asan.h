/* SPDX-License-Identifier: MIT */
/*
 * AddressSanitizer's manual poisoning, as inline helpers that do nothing in
 * a build without ASan. The front-end poisons the part of its receive
 * buffer a message did not fill (frontend.c), so that a read past what
 * arrived is a report rather than stale bytes.
 */
#ifndef VSF_ASAN_H
#define VSF_ASAN_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define VSF_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VSF_ASAN 1
#endif
#endif

#ifdef VSF_ASAN
#include <sanitizer/asan_interface.h>
#endif

static inline void vsf_asan_poison(const volatile void *addr, size_t len)
{
#ifdef VSF_ASAN
	ASAN_POISON_MEMORY_REGION(addr, len);
#else
	(void)addr;
	(void)len;
#endif
}

static inline void vsf_asan_unpoison(const volatile void *addr, size_t len)
{
#ifdef VSF_ASAN
	ASAN_UNPOISON_MEMORY_REGION(addr, len);
#else
	(void)addr;
	(void)len;
#endif
}

#endif
