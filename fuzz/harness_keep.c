/* SPDX-License-Identifier: MIT */
/* The front-end kept across inputs (harness_keep.h). */
#define _GNU_SOURCE
#include "harness_keep.h"

#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness_error.h"
#include "harness_offer.h"
#include "oracle_shadow_model.h"

/*
 * The offers a front-end is kept for, the backend offering everything else
 * (backend_offer_init): the seeds' config, and none (half the inputs of a
 * libFuzzer run that took no kept front-end connected with no config op).
 */
enum { KEPT_SEEDS_CONFIG, KEPT_NO_CONFIG, KEPT_OFFERS };

static struct {
	bool enabled;
	pid_t pid; /* the process that made them: a fork shares their sockets */
	struct vsf_frontend *(*new_frontend)(enum vsf_harness_kind kind);
	/* fe NULL: an input freed it, the next is to be made */
	struct kept_frontend k[KEPT_OFFERS];
} kept = { .k = { [0 ... KEPT_OFFERS - 1] = { .peer = -1 } } };

static void kept_offer(int slot, struct backend_offer *offer)
{
	backend_offer_init(offer);
	if (slot == KEPT_SEEDS_CONFIG) {
		offer->cfg_nregions = 2;
		offer->cfg_sizes[0] = 0x10000;
		offer->cfg_sizes[3] = 0x4000;
	}
}

/* Does a connection with this offer make what kept front-end slot is? (The
 * fields the executor's backend-channel connection reads.) */
static bool offer_is_kept(int slot, const struct backend_offer *offer)
{
	struct backend_offer k;

	kept_offer(slot, &k);
	return offer_protocol_features(offer) == offer_protocol_features(&k) &&
	       offer->cfg_nregions == k.cfg_nregions &&
	       !memcmp(offer->cfg_sizes, k.cfg_sizes, sizeof(k.cfg_sizes));
}

/* The slot whose offer this is, or -1. */
static int kept_slot(const struct backend_offer *offer)
{
	for (int slot = 0; slot < KEPT_OFFERS; slot++)
		if (offer_is_kept(slot, offer))
			return slot;
	return -1;
}

/* Make kept front-end slot as the executor's connection would, outside any input's oracles. */
static void make_kept(int slot)
{
	struct kept_frontend *k = &kept.k[slot];
	struct backend_offer offer;
	struct shadow_model m;
	uint64_t pf;
	int sv[2];

	kept_offer(slot, &offer);
	pf = offer_protocol_features(&offer);
	kept.pid = getpid();
	k->fe = kept.new_frontend(VSF_HARNESS_BACKEND_CHANNEL);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		harness_setup_failed("socketpair");
	k->peer = sv[1];
	k->attach_ret = vsf_frontend_attach(k->fe, sv[0], pf);
	model_init(&m, VSF_HARNESS_MAX_MAPPINGS, VSF_HARNESS_MAX_RESERVED,
		   (uint64_t)sysconf(_SC_PAGESIZE));
	model_attach(&m, pf, true);
	k->configure_ret = m.shmem ? vsf_frontend_configure(k->fe, offer.cfg_nregions,
							    offer.cfg_sizes)
				   : 0;
}

void keep_start(struct vsf_frontend *(*new_frontend)(enum vsf_harness_kind kind))
{
	if (kept.enabled)
		return;
	kept.enabled = true;
	kept.new_frontend = new_frontend;
	for (int slot = 0; slot < KEPT_OFFERS; slot++)
		make_kept(slot);
}

void vsf_harness_forked(void)
{
	if (!kept.enabled || kept.pid == getpid())
		return;
	for (int slot = 0; slot < KEPT_OFFERS; slot++) {
		struct kept_frontend *k = &kept.k[slot];

		vsf_frontend_free(k->fe); /* this process's copy; the parent keeps its own */
		if (k->peer >= 0)
			close(k->peer);
		k->peer = -1;
		make_kept(slot);
	}
}

/* ---- an input takes it ---- */

/*
 * Which kept front-end does the input take, if any (-1)? The one of its
 * offer, when its first call into the front-end is its connection (a
 * connect op, or the first message's) and no fault is armed before it.
 * From the input alone: every kept front-end is there once kept.enabled.
 */
static int takes_kept(enum vsf_harness_kind kind, const struct vsf_program *program)
{
	struct backend_offer offer;
	size_t executed = 0;

	if (kind != VSF_HARNESS_BACKEND_CHANNEL || !kept.enabled)
		return -1;
	backend_offer_init(&offer);
	for (size_t i = 0; i < program->nops && executed < VSF_PROG_MAX_OPS; i++) {
		const struct vsf_op *op = &program->ops[i];

		switch (op->code) {
		case VSF_OP_BYTES:
			continue;
		case VSF_OP_SESSION:
			offer_set_session(&offer, op);
			break;
		case VSF_OP_CONFIG:
			backend_offer_set_config(&offer, op);
			break;
		case VSF_OP_FD:
		case VSF_OP_TRUNCATE:
		case VSF_OP_ANSWER:
		case VSF_OP_WAIT:
		case VSF_OP_SHUTDOWN: /* no channel yet: nothing to shut */
			break;
		case VSF_OP_CONNECT:
		case VSF_OP_MAP:
		case VSF_OP_UNMAP:
			return kept_slot(&offer);
		case VSF_OP_SEND: /* past the budget it is skipped, and connects nothing */
			return op->data_len <= VSF_PROG_MAX_SEND_BYTES ? kept_slot(&offer) : -1;
		default: /* fault, reset, add_region, hangup */
			return -1;
		}
		executed++;
	}
	return -1;
}

struct vsf_frontend *keep_take(struct keep_use *k, enum vsf_harness_kind kind,
			       const struct vsf_program *program, struct resources *rs)
{
	const struct kept_frontend *kf;

	memset(k, 0, sizeof(*k));
	k->slot = takes_kept(kind, program);
	k->take = k->slot >= 0;
	if (!k->take)
		return NULL;
	kf = &kept.k[k->slot];
	resources_hand_over(rs, (const int[]){ kf->peer, vsf_frontend_backend_fd(kf->fe) }, 2);
	return kf->fe;
}

const struct kept_frontend *keep_adopt(struct keep_use *k)
{
	k->take = false;
	k->taken = true;
	k->alike = true;
	return &kept.k[k->slot];
}

void keep_attached(struct keep_use *k, const struct backend_offer *offer, int ret)
{
	k->alike = k->taken && offer_is_kept(k->slot, offer) && ret == kept.k[k->slot].attach_ret;
}

void keep_configured(struct keep_use *k, int ret, bool faulted)
{
	k->alike = k->alike && !faulted && ret == kept.k[k->slot].configure_ret;
}

void keep_connected(struct keep_use *k, const uint64_t regions[VSF_MAX_SHMEM_REGIONS])
{
	memcpy(k->regions, regions, sizeof(k->regions));
}

/* ---- and puts it back ---- */

/*
 * Can the input's front-end be kept in place of the one it took? Its last
 * connection made what the kept one is (a front-end is then what
 * make_kept makes: a disconnect forgets all), the channel is open and empty
 * both ways (no message or reply half read, no fd in flight), and the
 * regions are the ones it configured; only mappings may differ.
 */
static bool keepable(const struct keep_use *k, struct vsf_frontend *fe, int peer,
		     const struct shadow_model *model)
{
	int to_fe = -1, to_peer = -1;

	if (!k->taken || !k->alike || !model->channel_open || model->peer_read_shut ||
	    memcmp(model->region_size, k->regions, sizeof(k->regions)))
		return false;
	if (ioctl(vsf_frontend_backend_fd(fe), FIONREAD, &to_fe) < 0 ||
	    ioctl(peer, FIONREAD, &to_peer) < 0)
		return false;
	return !to_fe && !to_peer;
}

/*
 * Put the front-end back as it was adopted, checked as a reset is (the
 * executor's do_reset): no mapping left in its table or in memory, the
 * regions as configured. False when a mapping could not be removed (it is
 * freed instead).
 */
static bool recycle(struct vsf_frontend *fe, struct shadow_model *model,
		    struct memory_truth *memory, const struct oracle_where *where)
{
	struct model_mapping gone[MODEL_MAX_MAPPINGS];
	size_t n = model->nmaps;

	memcpy(gone, model->maps, n * sizeof(gone[0]));
	if (vsf_frontend_recycle(fe))
		return false;
	shadow_check_recycled(where, fe);
	model_reset(model);
	shadow_check_mappings(where, fe, model);
	shadow_check_regions(where, fe, model);
	for (size_t i = 0; i < n; i++)
		memory_truth_check_gone(memory, &gone[i]);
	return true;
}

bool keep_put_back(struct keep_use *k, struct vsf_frontend *fe, int *peer,
		   struct shadow_model *model, struct memory_truth *memory,
		   const struct oracle_where *where)
{
	struct kept_frontend *kf = k->slot >= 0 ? &kept.k[k->slot] : NULL;

	if (k->take) /* never connected: untouched */
		return true;
	if (!k->taken)
		return false;
	if (!keepable(k, fe, *peer, model) || !recycle(fe, model, memory, where)) {
		kf->fe = NULL;  /* the caller frees it */
		kf->peer = -1; /* closed with the input's fds */
		return false;
	}
	kf->peer = *peer;
	*peer = -1;
	return true;
}

static void fd_bit_set(struct fd_bits *bits, int fd)
{
	if (fd >= 0 && fd < FD_BITS_LIMIT)
		bits->w[fd / 64] |= 1ull << (fd % 64);
}

void keep_mark_sockets(const struct keep_use *k, struct fd_bits *open)
{
	const struct kept_frontend *kf = &kept.k[k->slot];

	fd_bit_set(open, kf->peer);
	fd_bit_set(open, vsf_frontend_backend_fd(kf->fe));
}

void keep_renew(void)
{
	for (int slot = 0; kept.enabled && slot < KEPT_OFFERS; slot++)
		if (!kept.k[slot].fe)
			make_kept(slot);
}
