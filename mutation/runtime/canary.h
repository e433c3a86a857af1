/* SPDX-License-Identifier: MIT */
/*
 * The bug zoo: mistakes that code review found in the real SHMEM patch
 * series, kept as canaries, so that a test campaign can show that its checks
 * find them (docs/protocol.md, "The bug zoo").
 *
 * src/ carries none of them. Each is a hand-written mutant description
 * beside its reproducer (corpus/canaries/HARNESS/NAME.mutant): where in which
 * function the bug was made and the code that makes it. Only a build with
 * -DVSF_CANARIES (the canary presets, never a release or test build) applies
 * them, to its copy of src/ in the build tree (mutation/schema.py), where
 *
 *	if (busy)                 becomes
 *	if ((!vsf_canary_hit(VSF_CANARY_OVERLAP, busy) && busy))
 *
 * vsf_canary_hit(id, cond) is true when the canary id is switched on and
 * cond, its bad condition, holds: the code then takes the buggy path. One
 * canary at most is switched on, named by the environment variable
 * VSF_CANARY, read once. Every other build compiles src/ itself: no code,
 * string or symbol of a canary is left (a test checks the binaries).
 *
 * Magma-style counters, whichever canary is on: how often each site was
 * reached and how often its bad condition held (triggered), so a campaign
 * tells "never reached", "reached, never triggered" and "triggered, not
 * detected" apart. With VSF_CANARY_COUNTS=FILE they live in that file,
 * shared by every process of a campaign (fork mode, parallel jobs) and kept
 * when one of them dies; `vsf-canary-counts FILE` prints it.
 */
#ifndef VSF_CANARY_H
#define VSF_CANARY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* X(id, name): every canary, in the order of the table in docs/protocol.md. */
#define VSF_CANARY_LIST(X)                          \
	X(REPLY_UNINIT, "reply-uninit")             \
	X(DOUBLE_REPLY, "double-reply")             \
	X(FD_LEAK_BOUNDS, "fd-leak-bounds")         \
	X(REALLOC_LIST, "realloc-list")             \
	X(ERROR_TWICE, "error-twice")               \
	X(MISSING_BREAK, "missing-break")           \
	X(LEAK_TEARDOWN, "leak-teardown")           \
	X(BOUNDS_OVERFLOW, "bounds-overflow")       \
	X(OVERLAP, "overlap")                       \
	X(UNMAP_PARTIAL, "unmap-partial")           \
	X(COMMIT_NO_BEGIN, "commit-no-begin")       \
	X(RESET_KEEPS, "reset-keeps")               \
	X(NO_REPLY_ON_ERROR, "no-reply-on-error")   \
	X(CONFIG_TRUST, "config-trust")             \
	X(CONFIG_GAPS, "config-gaps")               \
	X(CONFIG_UNINIT, "config-uninit")           \
	X(DOUBLE_CLOSE, "double-close")             \
	X(SHORT_PAYLOAD, "short-payload")           \
	X(NAME_OVERFLOW, "name-overflow")

#ifdef VSF_CANARIES

enum vsf_canary_id {
#define VSF_CANARY_ENUM(id, name) VSF_CANARY_##id,
	VSF_CANARY_LIST(VSF_CANARY_ENUM)
#undef VSF_CANARY_ENUM
	VSF_CANARY_COUNT
};

/* Count a visit of site id (triggered: its bad condition holds); true when
 * the site must take its buggy path. */
bool vsf_canary_hit(enum vsf_canary_id id, bool triggered);

/* Print the counters of every site reached, and which canary is on. */
void vsf_canary_report(FILE *out);

/* The VSF_CANARY_COUNTS file: self-describing, host byte order. */
#define VSF_CANARY_COUNTS_MAGIC "vsfcnt1"
struct vsf_canary_counts {
	char magic[8];
	uint32_t count; /* entries */
	uint32_t reserved;
	struct vsf_canary_counter {
		char name[24];
		uint64_t reached, triggered;
	} counter[VSF_CANARY_COUNT];
};

/* Print a counts file (as vsf_canary_report does); 0 or -errno. */
int vsf_canary_print_file(const char *path, FILE *out);

#else

static inline void vsf_canary_report(FILE *out)
{
	(void)out;
}

#endif

#endif
