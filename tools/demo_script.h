/* SPDX-License-Identifier: MIT */
/*
 * The demo backend's script language: a program in text form
 * (scenario/program.h), whose comments the program format ignores and the
 * backend reads: `# expect=ok|fail|any[,...]` after a NEED_REPLY message is
 * its verdict (default ok), a line `# @pause` a checkpoint.
 */
#ifndef VSF_DEMO_SCRIPT_H
#define VSF_DEMO_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend_peer.h"
#include "program.h"

#define PROG "vsf-demo-backend"
#define MAX_EXPECT 16

enum expect { EXPECT_OK, EXPECT_FAIL, EXPECT_ANY };
extern const char *const expect_names[];

/* One op of the script, or a checkpoint. */
struct step {
	bool pause;
	struct vsf_op op;
	unsigned line;
	enum expect expect[MAX_EXPECT];
	size_t nexpect;
};

struct script {
	const char *path;
	struct step *steps;
	size_t nsteps, cap;
	uint8_t **bufs; /* the decoded records the ops point into */
	size_t nbufs, bufs_cap;
	size_t first_message; /* index of the first message op: negotiation uses what is before */
};

/* Read and check the script at path; 0, or -errno after saying why on stderr. */
int demo_load_script(struct script *s, const char *path);
void demo_free_script(struct script *s);
/* What the script's session and config ops (before its first message) offer. */
void demo_script_offer(const struct script *s, struct backend_offer *o);

/* The wire bytes of a message op (buf holds a map or unmap's). */
const uint8_t *demo_message_bytes(const struct vsf_op *op, uint8_t *buf, size_t *len);

#endif
