/* SPDX-License-Identifier: MIT */
/*
 * The front-ends kept across inputs (vsf_harness_keep_frontend, harness.h),
 * one for each of a fixed set of offers (the config the seeds carry, and no
 * config at all): attached to its socketpair and configured with its offer,
 * no mapping. An input whose first call into the front-end is the
 * connection with one of these offers takes its front-end instead of making
 * one (the executor makes the same checks of it as of a fresh one), and its
 * teardown puts it back when it is proven clean (vsf_frontend_recycle, then
 * the reset's oracles), or frees it, and the next one is made. Whether an
 * input takes one, and which, depends on the input alone (the offers are
 * fixed, and every teardown leaves all of them), so an input runs, covers
 * and digests the same whatever ran before it.
 */
#ifndef VSF_HARNESS_KEEP_H
#define VSF_HARNESS_KEEP_H

#include <stdbool.h>
#include <stdint.h>

#include "backend_peer.h"
#include "fd_table.h"
#include "harness.h"
#include "oracle_memory_truth.h"
#include "oracle_resources.h"
#include "oracles.h"
#include "program.h"
#include "shadow_model.h"
#include "vhost_shmem.h"

/* A kept front-end, as an input that takes it finds it. */
struct kept_frontend {
	struct vsf_frontend *fe;
	int peer; /* the backend's end; the front-end holds the other */
	int attach_ret, configure_ret;
};

/* One input's part in them (the executor's run holds one). */
struct keep_use {
	int slot;    /* the kept front-end its first connection takes, or -1 */
	bool take;   /* the first connection takes the kept front-end */
	bool taken;  /* it did */
	bool alike;  /* the last connection made what the kept front-end is */
	uint64_t regions[VSF_MAX_SHMEM_REGIONS]; /* the model's regions then */
};

/*
 * Keep the front-ends from now on, made by new_frontend (the executor's
 * options) for the backend-channel harness. Outside any input.
 */
void keep_start(struct vsf_frontend *(*new_frontend)(enum vsf_harness_kind kind));

/*
 * At the start of an input (after resources_begin): the kept front-end the
 * input takes, its sockets handed over to the input's resources oracle;
 * else NULL. Sets up k either way.
 */
struct vsf_frontend *keep_take(struct keep_use *k, enum vsf_harness_kind kind,
			       const struct vsf_program *program, struct resources *rs);
/* The input's first connection, when k->take: the kept front-end as it was made. */
const struct kept_frontend *keep_adopt(struct keep_use *k);
/* What a connection's attach (with the offer), then its configure, returned. */
void keep_attached(struct keep_use *k, const struct backend_offer *offer, int ret);
void keep_configured(struct keep_use *k, int ret, bool faulted);
/* A connection is made: the model's regions after it. */
void keep_connected(struct keep_use *k, const uint64_t regions[VSF_MAX_SHMEM_REGIONS]);

/*
 * At teardown, after the input's last checks: put the front-end (fe, with
 * *peer the backend's end) back for the next input if the input took it
 * and it is proven clean, recycled and checked as a reset is (the model,
 * the memory truth and where are the input's); *peer is then the kept one's
 * (set to -1 here). False: the caller frees fe (and closes *peer), and
 * keep_renew makes the next one.
 */
bool keep_put_back(struct keep_use *k, struct vsf_frontend *fe, int *peer,
		   struct shadow_model *model, struct memory_truth *memory,
		   const struct oracle_where *where);
/* After keep_put_back kept it: its sockets, open after teardown as the pool's fds are. */
void keep_mark_sockets(const struct keep_use *k, struct fd_bits *open);
/* After the input's oracles: make the next front-end if the input freed the one it took. */
void keep_renew(void);

#endif
