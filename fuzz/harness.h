/* SPDX-License-Identifier: MIT */
/*
 * The program executor shared by every harness: runs one fuzz input (see
 * program.h) against a fresh front-end over real socketpairs, checking the
 * oracles (oracles.h, one family a file: oracle_*.h) against the shadow
 * model after every op. State is created and destroyed per input, so the
 * same input always runs the same way (a kept front-end, see
 * vsf_harness_keep_frontend, is proven to be as a fresh one).
 */
#ifndef VSF_HARNESS_H
#define VSF_HARNESS_H

#include <stddef.h>
#include <stdint.h>

enum vsf_harness_kind {
	/* Session already negotiated; config ops configure the regions directly. */
	VSF_HARNESS_BACKEND_CHANNEL,
	/* The harness plays the backend on the front-end channel as well. */
	VSF_HARNESS_FRONTEND_SESSION,
};

/* Limits the harness gives the front-end: small, so that they are reachable. */
#define VSF_HARNESS_MAX_MAPPINGS 8
#define VSF_HARNESS_MAX_RESERVED (64ull << 20)
/* Device feature bits the harness's device model supports (bits 0 and 9, as
 * a block device's SIZE_MAX and FLUSH): the acknowledgement must be masked. */
#define VSF_HARNESS_DEVICE_FEATURES ((1ull << 0) | (1ull << 9))

/* Run one input; aborts with an oracle report on a violation. */
void vsf_harness_run(enum vsf_harness_kind kind, const uint8_t *data, size_t size);

/* The same for a program already decoded, or spelled out in C (a C
 * reproducer from `vsf-prog to-c`). */
struct vsf_program;
void vsf_harness_run_program(enum vsf_harness_kind kind, const struct vsf_program *program);

/*
 * A 64-bit digest (FNV-1a) of what the front-end did in the last run: per
 * message the request, result, whether it replied and the reply bytes; the
 * return value of every connect and add_region; the mapping count after each
 * op. The same input must give the same digest (replay checks this).
 */
uint64_t vsf_harness_last_digest(void);

/*
 * Keep front-ends across this kind's inputs (the backend-channel harness
 * only; other kinds are left as they are), one for each of a fixed set of
 * offers (harness_keep.h): connected and configured once, each
 * taken by every input that would connect it the same way as its first
 * call into the front-end, put back after it once proven clean (no
 * mapping, the regions as configured, the channel open and empty), else
 * freed and made again. An input runs, covers and digests the same either
 * way and whatever ran before it. Call before the first input, outside any
 * (a constructor): making the first one is then no input's work.
 */
void vsf_harness_keep_frontend(enum vsf_harness_kind kind);
/*
 * In a process forked from the one that kept it (AFL++'s fork server), the
 * kept front-end's sockets are shared with the parent: a child's input
 * that stops half way would leave bytes in them for the next child. Called
 * in the child before its first input, outside any, this makes the child
 * its own.
 */
void vsf_harness_forked(void);

/* Backend messages handled since the process started (for throughput figures). */
extern unsigned long long vsf_harness_messages;
/* Answer ops since the process started that did not act in process (program.h). */
extern unsigned long long vsf_harness_not_applicable;

#endif
