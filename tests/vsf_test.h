/* SPDX-License-Identifier: MIT */
/*
 * A tiny test framework and the helpers the tests share: a front-end
 * attached to a real socketpair, memfds with known content, message
 * builders, reply readers, and probes of the process (/proc/self/fd,
 * /proc/self/maps, whether an address is accessible).
 *
 * A test file defines TEST(name) functions; CMake registers each as its own
 * CTest test by scanning for TEST( lines, and main() runs the one named on
 * the command line (or all).
 */
#ifndef VSF_TEST_H
#define VSF_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "probes.h"
#include "vhost_shmem.h"
#include "wire.h"

struct vsf_test_case {
	const char *name;
	void (*fn)(void);
};

extern int vsf_test_failures;

#define TEST(name)                                                               \
	static void test_##name(void);                                           \
	__attribute__((constructor)) static void register_##name(void)           \
	{                                                                        \
		vsf_test_register(#name, test_##name);                           \
	}                                                                        \
	static void test_##name(void)

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,   \
				__LINE__, #cond);                                \
			vsf_test_failures++;                                     \
		}                                                                \
	} while (0)

#define CHECK_EQ(a, b)                                                           \
	do {                                                                     \
		long long va_ = (long long)(a), vb_ = (long long)(b);            \
		if (va_ != vb_) {                                                \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, %s == %lld\n", \
				__FILE__, __LINE__, #a, va_, #b, vb_);           \
			vsf_test_failures++;                                     \
		}                                                                \
	} while (0)

void vsf_test_register(const char *name, void (*fn)(void));
/* Abort the test program on a failure of the test's own set-up. */
#define SETUP(cond) do { if (!(cond)) vsf_test_setup_failed(__FILE__, __LINE__, #cond); } while (0)
_Noreturn void vsf_test_setup_failed(const char *file, int line, const char *what);
/* Skip the test (exit 77, CTest's "skipped") where the machine lacks what it needs. */
#define SKIP_UNLESS(cond) do { if (!(cond)) vsf_test_skip(__FILE__, __LINE__, #cond); } while (0)
_Noreturn void vsf_test_skip(const char *file, int line, const char *what);

/* ---- fixture: a front-end attached to one end of a socketpair ---- */

struct fixture {
	struct vsf_frontend *fe;
	int peer;           /* the backend's end of the backend channel */
	size_t page;
};

#define ALL_PROTOCOL_FEATURES VSF_PROTOCOL_FEATURES_OFFERED

/* Front-end with protocol features pf and no region. opts may be NULL. */
void fixture_init(struct fixture *f, uint64_t pf, const struct vsf_options *opts);
/* Front-end with SHMEM and one region per (shmid, size) pair, -1 terminated. */
void fixture_init_regions(struct fixture *f, const int *shmid_pages);
void fixture_fini(struct fixture *f);

/* A memfd of npages pages, byte i of the file = (uint8_t)(seed + i / page). */
int make_memfd(size_t npages, uint8_t seed);
uint8_t memfd_byte(uint8_t seed, size_t offset, size_t page);

/* Send raw bytes with fds from the peer's end. */
void peer_send_raw(struct fixture *f, const void *buf, size_t len, const int *fds, size_t nfds);
/* Send a map or unmap request built from its fields. */
void peer_send_mmap(struct fixture *f, uint32_t request, uint32_t hflags, uint8_t shmid,
		    uint64_t fd_offset, uint64_t shm_offset, uint64_t len, uint64_t mflags,
		    const int *fds, size_t nfds);

/* Handle one message; returns what vsf_frontend_handle_backend returned. */
int handle(struct fixture *f, struct vsf_verdict *v);
/* Read the replies pending on the peer's end; returns how many, fills the first. */
int read_replies(struct fixture *f, struct vsf_wire_header *hdr, uint64_t *value);

/*
 * Send map(shmid, fd_offset, shm_offset, len, rw) with NEED_REPLY, handle
 * it, and check exactly one well-formed reply. Returns the front-end's result.
 */
int do_map(struct fixture *f, uint8_t shmid, int fd, uint64_t fd_offset, uint64_t shm_offset,
	   uint64_t len, bool rw);
int do_unmap(struct fixture *f, uint8_t shmid, uint64_t shm_offset, uint64_t len);
/* The channel still works: a map then unmap at region 0 offset 15 pages succeeds. */
void check_channel_usable(struct fixture *f);

/* ---- the log an embedder sees: a vsf_log_fn that keeps the lines ---- */

#define LOG_MAX_LINES 32

struct log_lines {
	size_t n; /* lines past LOG_MAX_LINES are dropped */
	enum vsf_log_level level[LOG_MAX_LINES];
	char text[LOG_MAX_LINES][256];
};

/* A vsf_log_fn: opaque is a struct log_lines. */
void log_collect(void *opaque, enum vsf_log_level level, const char *msg);
/* Index of the first line equal to text at level, or -1. */
int log_find(const struct log_lines *log, enum vsf_log_level level, const char *text);
/* Lines at level. */
size_t log_count(const struct log_lines *log, enum vsf_log_level level);

/* ---- process probes: scenario/probes.h, and ---- */
bool fd_is_open(int fd);
/* Base of region shmid (the test fails if there is none). */
uint8_t *region_base(struct fixture *f, uint8_t shmid);

#endif
