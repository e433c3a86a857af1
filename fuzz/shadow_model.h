/* SPDX-License-Identifier: MIT */
/*
 * The shadow model: a pure reference model of the front-end (no system
 * calls, no code shared with src/: from wire.h it takes only constants such
 * as request ids, flag and feature bits and limits; it reads the message
 * header and VhostUserMMap from the bytes itself). It predicts,
 * for every event of a fuzz program, what the front-end must do: accept or
 * reject each backend message, reply or not, keep or lose framing, accept
 * or reject a config, and which mappings and regions exist afterwards.
 * It is written independently of src/ on purpose (different data layout,
 * 128-bit arithmetic instead of overflow checks) so that a bug in one is not
 * copied into the other.
 */
#ifndef VSF_SHADOW_MODEL_H
#define VSF_SHADOW_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fault.h"    /* struct fault_event: a system call that failed */
#include "fd_table.h" /* struct fd_desc: what the model knows of an fd */
#include "wire.h"

#define MODEL_MAX_MAPPINGS 64

/*
 * The wire layouts, read here byte by byte at their offsets rather than with
 * src/wire.c, so that a layout bug there cannot cancel out in the model (or
 * in an oracle that reads the bytes sent and received with these).
 */
#define MODEL_HEADER_BYTES 12 /* u32 request, u32 flags, u32 size */
#define MODEL_MMAP_BYTES   40 /* u8 shmid, 7 padding, u64 fd_offset, shm_offset, len, flags */

struct model_header {
	uint32_t request, flags, size;
};

struct model_mmap {
	uint8_t shmid;
	uint64_t fd_offset, shm_offset, len, flags;
};

void model_read_header(const uint8_t *b, struct model_header *h);
void model_read_mmap(const uint8_t *b, struct model_mmap *mm);
/* A little-endian u64 (a reply's value). */
uint64_t model_read_u64(const uint8_t *b);

struct model_mapping {
	uint8_t shmid;
	uint64_t shm_offset, len, fd_offset;
	bool rw;
	int content_fd;
};

struct shadow_model {
	uint64_t region_size[VSF_MAX_SHMEM_REGIONS]; /* 0: no region */
	struct model_mapping maps[MODEL_MAX_MAPPINGS];
	size_t nmaps;
	uint32_t max_mappings;
	uint64_t max_reserved;
	uint64_t page_size;
	/* Set by model_init's caller: the kernel maps an F_SEAL_WRITE memfd
	 * read-only shared (Linux >= 6.7; older kernels refuse with EPERM). */
	bool write_sealed_maps_ro;
	/* The front-end's vsf_options.require_shrink_seal. */
	bool require_shrink_seal;
	bool shmem;        /* SHMEM negotiated */
	bool channel_open; /* the backend channel exists and is usable */
	bool peer_read_shut;
};

/* The model's prediction for one message. */
struct model_verdict {
	bool framed;       /* false: framing lost, the channel closes */
	size_t consumed;   /* bytes of the stream this message took */
	uint32_t request;
	bool accepted;
	bool reply;        /* a reply is due */
	bool reply_lost;   /* it cannot be delivered (the channel closes) */
	bool channel_closes; /* the channel closes after this message */
	/* Faults (scenario/fault.h): the front-end could not read the message
	 * (nothing of it is handled, the channel closes), or it accepted the
	 * change but could not commit it (the map is not made, the unmap leaves
	 * the mapping; the channel closes after the reply). */
	bool io_failed, commit_fails;
	int result;        /* the front-end's result when the model knows it, else 0 */
	/* A fault fired in a call the model does not expect for this message. */
	bool fault_unexpected;
	struct model_mapping change; /* accepted map/unmap: the mapping added/removed */
	const char *why;   /* rejected: the rule the message breaks */
};

/* page_size: the system's (a power of two), as the caller finds it. */
void model_init(struct shadow_model *m, uint32_t max_mappings, uint64_t max_reserved,
		uint64_t page_size);
/* Forget the session: no regions, no mappings, no channel. */
void model_disconnect(struct shadow_model *m);
/* A new session with protocol features pf (already negotiated). */
void model_attach(struct shadow_model *m, uint64_t pf, bool has_channel);
/* Is this config valid as a whole? (no change) */
bool model_config_valid(const struct shadow_model *m, uint32_t nregions,
			const uint64_t sizes[VSF_MAX_SHMEM_REGIONS]);
/* Apply a config; returns whether it is accepted. */
bool model_configure(struct shadow_model *m, uint32_t nregions,
		     const uint64_t sizes[VSF_MAX_SHMEM_REGIONS]);
bool model_add_region(struct shadow_model *m, uint8_t shmid, uint64_t size);
void model_reset(struct shadow_model *m);
/* A reset that could not remove the mapping of region shmid at shm_offset
 * (an injected mmap failure): it stays, every other one goes. */
void model_reset_except(struct shadow_model *m, uint8_t shmid, uint64_t shm_offset);
size_t model_region_count(const struct shadow_model *m);

/*
 * Predict the next message in bytes[0..len) (len > 0), fds going with it,
 * and apply its effect to the model. fault: the injected failure that fired
 * while the front-end handled it, or NULL.
 */
void model_message(struct shadow_model *m, const uint8_t *bytes, size_t len,
		   const struct fd_desc *fds, size_t nfds, const struct fault_event *fault,
		   struct model_verdict *v);

/*
 * Does this failure change what the front-end does? Not a transient one it
 * retries (EINTR, EAGAIN), nor munmap's or close's, which take effect anyway.
 */
bool model_fault_matters(const struct fault_event *fault);

/*
 * The result of negotiating with a backend that answers as given: which
 * requests the front-end sends (in the order of the fields, the order
 * docs/protocol.md gives) and what it sets.
 */
struct model_session {
	bool ok;
	uint64_t negotiated;       /* protocol features the front-end sets */
	uint64_t acked;            /* virtio features in SET_FEATURES */
	bool sends_protocol, sends_backend_fd, expects_ack, sends_owner, sends_config,
		sends_set_features;
};

/* device_features: what the front-end was told the device supports. */
void model_negotiate(const struct shadow_model *m, uint64_t features, uint64_t protocol_features,
		     uint64_t device_features, uint64_t ack, bool config_header_ok, uint32_t nregions,
		     const uint64_t sizes[VSF_MAX_SHMEM_REGIONS], struct model_session *s);

#endif
