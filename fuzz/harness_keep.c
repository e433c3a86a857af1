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

static struct {
	bool enabled;
	pid_t pid; /* the process that made it: a fork shares its sockets */
	struct vsf_frontend *(*new_frontend)(enum vsf_harness_kind kind);
	struct kept_frontend k; /* fe NULL: an input freed it, the next is to be made */
} kept = { .k.peer = -1 };

/* What the kept front-end was configured with: the seeds' config, the
 * backend offering everything else (backend_offer_init). */
static void kept_offer(struct backend_offer *offer)
{
	backend_offer_init(offer);
	offer->cfg_nregions = 2;
	offer->cfg_sizes[0] = 0x10000;
	offer->cfg_sizes[3] = 0x4000;
}

/* Does a connection with this offer make what the kept front-end is? (The
 * fields the executor's backend-channel connection reads.) */
static bool offer_is_kept(const struct backend_offer *offer)
{
	struct backend_offer k;

	kept_offer(&k);
	return offer_protocol_features(offer) == offer_protocol_features(&k) &&
	       offer->cfg_nregions == k.cfg_nregions &&
	       !memcmp(offer->cfg_sizes, k.cfg_sizes, sizeof(k.cfg_sizes));
}

/* Make the kept front-end as the executor's connection would, outside any input's oracles. */
static void make_kept(void)
{
	struct backend_offer offer;
	struct shadow_model m;
	uint64_t pf;
	int sv[2];

	kept_offer(&offer);
	pf = offer_protocol_features(&offer);
	kept.pid = getpid();
	kept.k.fe = kept.new_frontend(VSF_HARNESS_BACKEND_CHANNEL);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		harness_setup_failed("socketpair");
	kept.k.peer = sv[1];
	kept.k.attach_ret = vsf_frontend_attach(kept.k.fe, sv[0], pf);
	model_init(&m, VSF_HARNESS_MAX_MAPPINGS, VSF_HARNESS_MAX_RESERVED,
		   (uint64_t)sysconf(_SC_PAGESIZE));
	model_attach(&m, pf, true);
	kept.k.configure_ret = m.shmem ? vsf_frontend_configure(kept.k.fe, offer.cfg_nregions,
								offer.cfg_sizes)
				       : 0;
}

void keep_start(struct vsf_frontend *(*new_frontend)(enum vsf_harness_kind kind))
{
	if (kept.enabled)
		return;
	kept.enabled = true;
	kept.new_frontend = new_frontend;
	make_kept();
}

void vsf_harness_forked(void)
{
	if (!kept.enabled || kept.pid == getpid())
		return;
	vsf_frontend_free(kept.k.fe); /* this process's copy; the parent keeps its own */
	if (kept.k.peer >= 0)
		close(kept.k.peer);
	kept.k.peer = -1;
	make_kept();
}

/* ---- an input takes it ---- */

/*
 * Does the input take the kept front-end? Yes when its first call into the
 * front-end is its connection (a connect op, or the first message's), with
 * the kept front-end's offer and no fault armed before it. From the input
 * alone: the kept front-end is always there once kept.enabled.
 */
static bool takes_kept(enum vsf_harness_kind kind, const struct vsf_program *program)
{
	struct backend_offer offer;
	size_t executed = 0;

	if (kind != VSF_HARNESS_BACKEND_CHANNEL || !kept.k.fe)
		return false;
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
			return offer_is_kept(&offer);
		case VSF_OP_SEND: /* past the budget it is skipped, and connects nothing */
			return op->data_len <= VSF_PROG_MAX_SEND_BYTES && offer_is_kept(&offer);
		default: /* fault, reset, add_region, hangup */
			return false;
		}
		executed++;
	}
	return false;
}

struct vsf_frontend *keep_take(struct keep_use *k, enum vsf_harness_kind kind,
			       const struct vsf_program *program, struct resources *rs)
{
	memset(k, 0, sizeof(*k));
	k->take = takes_kept(kind, program);
	if (k->take) {
		const int sockets[] = { kept.k.peer, vsf_frontend_backend_fd(kept.k.fe) };

		resources_hand_over(rs, sockets, 2);
	}
	return k->take ? kept.k.fe : NULL;
}

const struct kept_frontend *keep_adopt(struct keep_use *k)
{
	k->take = false;
	k->taken = true;
	k->alike = true;
	return &kept.k;
}

void keep_attached(struct keep_use *k, const struct backend_offer *offer, int ret)
{
	k->alike = offer_is_kept(offer) && ret == kept.k.attach_ret;
}

void keep_configured(struct keep_use *k, int ret, bool faulted)
{
	k->alike &= !faulted && ret == kept.k.configure_ret;
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
	if (k->take) /* never connected: untouched */
		return true;
	if (!k->taken)
		return false;
	if (!keepable(k, fe, *peer, model) || !recycle(fe, model, memory, where)) {
		kept.k.fe = NULL; /* the caller frees it */
		kept.k.peer = -1; /* closed with the input's fds */
		return false;
	}
	kept.k.peer = *peer;
	*peer = -1;
	return true;
}

static void fd_bit_set(struct fd_bits *bits, int fd)
{
	if (fd >= 0 && fd < FD_BITS_LIMIT)
		bits->w[fd / 64] |= 1ull << (fd % 64);
}

void keep_mark_sockets(struct fd_bits *open)
{
	fd_bit_set(open, kept.k.peer);
	fd_bit_set(open, vsf_frontend_backend_fd(kept.k.fe));
}

void keep_renew(void)
{
	if (kept.enabled && !kept.k.fe)
		make_kept();
}
