/* SPDX-License-Identifier: MIT */
/*
 * The demo backend's player: it negotiates as a backend (scenario/backend_peer.h)
 * and plays a script on the backend channel, checking every reply.
 */
#ifndef VSF_DEMO_PLAYER_H
#define VSF_DEMO_PLAYER_H

#include <stdbool.h>
#include <stdint.h>

#include "backend_peer.h"
#include "demo_script.h"
#include "fd_table.h"

struct backend {
	struct script script;
	struct backend_offer offer; /* what it answers on the front-end channel */
	int timeout_ms;
	bool verbose;
	int conn;            /* front-end channel */
	int chan;            /* backend channel, from SET_BACKEND_REQ_FD */
	bool read_shut;      /* a shutdown op closed our read side */
	uint64_t protocol;   /* as the front-end set it */
	struct fd_table fds;
	unsigned mismatches; /* replies not as the script expects */
};

/* Answer the front-end until it sent SET_FEATURES: 0 with the backend channel in b->chan, or -errno. */
int demo_negotiate(struct backend *b);
/* Play the script's messages and checkpoints; 0, or -errno when the play had to stop. */
int demo_play(struct backend *b);

#endif
