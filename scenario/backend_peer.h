/* SPDX-License-Identifier: MIT */
/*
 * The backend's side of the front-end channel, written once for every
 * driver of the front-end (the harnesses, the demo backend, the tests): what
 * a backend answers to each front-end request of the negotiation, what it
 * saw the front-end ask and set, and whether that was what a backend may
 * expect. Built on peer_io, not on the library's channel code.
 */
#ifndef VSF_BACKEND_PEER_H
#define VSF_BACKEND_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "op_wire.h"
#include "program.h"
#include "wire.h"

/* Requests a session records; a negotiation has fewer. */
#define BACKEND_PEER_MAX_SEEN 32
/* Device config space a backend answers GET_CONFIG from (virtio-blk's is 60 bytes). */
#define BACKEND_PEER_DEVICE_CONFIG_MAX 256
/* The longest answer: a GET_SHMEM_CONFIG reply. */
#define BACKEND_PEER_ANSWER_MAX OP_WIRE_CONFIG_MAX
/* Answer rules one offer holds. */
#define BACKEND_PEER_MAX_RULES 16
/* Requests counted by id (the nth of a rule, a wait): every one the spec names. */
#define BACKEND_PEER_COUNTED 64

/*
 * How the backend answers one front-end request, instead of the offer's
 * own answer: an answer op (program.h has what each field means). The
 * header fields and GET_CONFIG's at VSF_ANSWER_NATURAL are the natural
 * ones. A rule is consulted where answers are made (backend_reply_bytes,
 * backend_answer, backend_serve_one), so every driver gives it one meaning.
 */
struct backend_rule {
	uint32_t request;
	uint8_t nth;                /* 0: every one; n: the nth of the session */
	uint8_t form;               /* enum vsf_answer_form */
	uint64_t value;             /* the u64 payload */
	uint32_t id, flags, size;   /* the reply's header */
	uint32_t offset, csize, cflags; /* GET_CONFIG's payload header */
	int fds[VSF_MAX_FDS];       /* sent with the reply; not owned */
	size_t nfds;
	const uint8_t *data;        /* the payload, or GET_CONFIG's bytes; not owned */
	size_t data_len;
};

/* What the backend answers. */
struct backend_offer {
	uint64_t features;              /* GET_FEATURES */
	uint64_t features_after_owner;  /* GET_FEATURES after SET_OWNER; 0: the same */
	uint64_t protocol_features;     /* GET_PROTOCOL_FEATURES */
	uint64_t ack;                   /* SET_BACKEND_REQ_FD's reply value, when asked */
	/* GET_SHMEM_CONFIG reply: its header fields, nregions as sent, the sizes */
	uint32_t cfg_request, cfg_flags, cfg_size, cfg_nregions;
	uint64_t cfg_sizes[VSF_MAX_SHMEM_REGIONS];
	bool cfg_silent;                /* never answer GET_SHMEM_CONFIG */
	bool cfg_with_fd;               /* send an fd with that answer */
	/* What a front-end we did not write asks too (QEMU, crosvm): */
	uint64_t queue_num;             /* GET_QUEUE_NUM */
	uint64_t mem_slots;             /* GET_MAX_MEM_SLOTS */
	uint64_t status;                /* GET_STATUS */
	/* GET_CONFIG: the device config space, read at the request's offset
	 * (zeros past these bytes) */
	uint8_t device_config[BACKEND_PEER_DEVICE_CONFIG_MAX];
	/* Answer rules, in the order they were added */
	struct backend_rule rules[BACKEND_PEER_MAX_RULES];
	size_t nrules;
};

/* A backend that offers VERSION_1, PROTOCOL_FEATURES and every protocol
 * feature the front-end takes, with a well-formed config of no region, one
 * queue, 8 memory slots and a device config space of zeros. */
void backend_offer_init(struct backend_offer *o);

/* The rule of an answer op, with the fds its handles name (nfds of them). */
/*
 * What a session op makes the backend answer (features, protocol features,
 * the SET_BACKEND_REQ_FD acknowledgement, GET_FEATURES after SET_OWNER),
 * and what a config op makes it answer to GET_SHMEM_CONFIG.
 */
void backend_offer_set_session(struct backend_offer *o, const struct vsf_op *op);
void backend_offer_set_config(struct backend_offer *o, const struct vsf_op *op);

void backend_rule_from_op(const struct vsf_op *op, const int *fds, size_t nfds,
			  struct backend_rule *rule);
/* Add a rule; it replaces one for the same request and nth. False when the offer is full. */
bool backend_offer_add_rule(struct backend_offer *o, const struct backend_rule *rule);
/* The rule for the nth (1: the first) request with this id: one for that nth, else one for every. */
const struct backend_rule *backend_offer_rule(const struct backend_offer *o, uint32_t request,
					      unsigned nth);
/* A rule that answers the value alone, as an offer would: form reply, the
 * natural header, no fds, no bytes. */
bool backend_rule_plain(const struct backend_rule *rule);

/* What the backend saw of one front-end. */
struct backend_session {
	struct vsf_wire_header seen[BACKEND_PEER_MAX_SEEN];
	unsigned seen_nfds[BACKEND_PEER_MAX_SEEN];
	size_t nseen;
	unsigned long requests;         /* all of them, past the ones recorded too */
	uint32_t last_request;
	bool owner_set, features_set, protocol_set;
	uint64_t set_features, set_protocol_features;
	int backend_fd;                 /* from SET_BACKEND_REQ_FD (owned), or -1 */
	char why[160];                  /* what was wrong, when an answer failed */
	uint16_t count[BACKEND_PEER_COUNTED]; /* requests seen, by id */
	const struct backend_rule *rule; /* the rule of the last answer, or NULL */
	uint32_t withheld;              /* a reply owed but withheld or cut by a rule, the
	                                   front-end silent since: its request; else 0 */
};

void backend_session_init(struct backend_session *s);
/* Close what the session owns (the backend channel's end). */
void backend_session_fini(struct backend_session *s);
/* Requests with this id the front-end sent in the session. */
unsigned backend_session_count(const struct backend_session *s, uint32_t request);

/*
 * The bytes a backend with offer o sends back for request (0 bytes when it
 * sends none): a u64 reply to a GET or to a NEED_REPLY request, the config
 * reply to GET_SHMEM_CONFIG, or what the offer's rule for the nth such
 * request says (1: the first of the session). after_owner: the front-end
 * has sent SET_OWNER. (GET_CONFIG's answer depends on its payload:
 * backend_answer makes it.) For a driver that writes the answers before
 * the front-end asks; a rule's fds are not sent.
 */
size_t backend_reply_bytes(const struct backend_offer *o, uint32_t request, bool need_reply,
			   bool after_owner, unsigned nth, uint8_t buf[BACKEND_PEER_ANSWER_MAX]);

/*
 * The answer to front-end request h with its payload, after checking it (a
 * request, version 1; a SET_* value within what was offered, SET_FEATURES
 * with VERSION_1 as libvhost-user demands). fds came with it: the first one
 * of SET_BACKEND_REQ_FD is taken (set to -1), the others stay the caller's.
 * Writes the answer into buf and returns its length, 0 for none, or
 * -EPROTO with s->why filled; s->rule is the rule it followed (its fds go
 * with it), if any.
 */
int backend_answer(const struct backend_offer *o, struct backend_session *s,
		   const struct vsf_wire_header *h, const uint8_t *payload, int *fds, size_t nfds,
		   uint8_t buf[BACKEND_PEER_ANSWER_MAX]);

/*
 * Read one front-end request from sock (each wait at most timeout_ms, <0 for
 * ever), answer it, and close the fds the answer did not take. Returns 1
 * after SET_FEATURES (a front-end's last negotiation request: the device
 * starts), 0 after any other, or -errno: -ECONNRESET when the front-end
 * closed the channel, -ETIMEDOUT, -EMSGSIZE for a payload above
 * VSF_PAYLOAD_MAX, -EPROTO (s->why says why).
 */
int backend_serve_one(int sock, int timeout_ms, const struct backend_offer *o,
		      struct backend_session *s);

#endif
