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
#include "wire.h"

/* Requests a session records; a negotiation has fewer. */
#define BACKEND_PEER_MAX_SEEN 16
/* Device config space a backend answers GET_CONFIG from (virtio-blk's is 60 bytes). */
#define BACKEND_PEER_DEVICE_CONFIG_MAX 256
/* The longest answer: a GET_SHMEM_CONFIG reply. */
#define BACKEND_PEER_ANSWER_MAX OP_WIRE_CONFIG_MAX

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
};

/* A backend that offers VERSION_1, PROTOCOL_FEATURES and every protocol
 * feature the front-end takes, with a well-formed config of no region, one
 * queue, 8 memory slots and a device config space of zeros. */
void backend_offer_init(struct backend_offer *o);

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
};

void backend_session_init(struct backend_session *s);
/* Close what the session owns (the backend channel's end). */
void backend_session_fini(struct backend_session *s);

/*
 * The bytes a backend with offer o sends back for request (0 bytes when it
 * sends none): a u64 reply to a GET or to a NEED_REPLY request, the config
 * reply to GET_SHMEM_CONFIG. after_owner: the front-end has sent SET_OWNER.
 * (GET_CONFIG's answer depends on its payload: backend_answer makes it.)
 * For a driver that writes the answers before the front-end asks.
 */
size_t backend_reply_bytes(const struct backend_offer *o, uint32_t request, bool need_reply,
			   bool after_owner, uint8_t buf[BACKEND_PEER_ANSWER_MAX]);

/*
 * The answer to front-end request h with its payload, after checking it (a
 * request, version 1; a SET_* value within what was offered, SET_FEATURES
 * with VERSION_1 as libvhost-user demands). fds came with it: the first one
 * of SET_BACKEND_REQ_FD is taken (set to -1), the others stay the caller's.
 * Writes the answer into buf and returns its length, 0 for none, or
 * -EPROTO with s->why filled.
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
