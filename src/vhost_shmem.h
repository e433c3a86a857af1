/* SPDX-License-Identifier: MIT */
/*
 * vhost-shmem: a minimal vhost-user front-end for the VIRTIO Shared Memory
 * messages (SHMEM_MAP, SHMEM_UNMAP, GET_SHMEM_CONFIG).
 *
 * Usage: create a front-end, connect it to a backend's front-end channel
 * (negotiation, backend channel, shared memory config), then call
 * vsf_frontend_handle_backend() whenever vsf_frontend_backend_fd() is
 * readable. Functions named for an action return 0 or a negative errno; the
 * reason for the last failure is in vsf_frontend_last_error(). Nothing a peer
 * sends makes the library abort or exit. No global state; one front-end per
 * device, not thread-safe.
 */
#ifndef VHOST_SHMEM_H
#define VHOST_SHMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vsf_frontend;

struct vsf_options {
	uint32_t max_mappings;       /* live mappings per device */
	uint64_t max_reserved_bytes; /* sum of all region sizes */
	int io_timeout_ms;           /* whole message from its first byte, or a
	                                reply from its request; <0 blocks */
	uint64_t device_features;    /* device feature bits the embedding device
	                                model supports: acknowledged when offered,
	                                besides VERSION_1 and PROTOCOL_FEATURES */
	bool require_shrink_seal;    /* map only fds sealed against shrinking
	                                (F_SEAL_SHRINK): a backend that truncates
	                                its fd after the map makes every read of
	                                the mapping past the new end fault (SIGBUS) */
};

/* Defaults: 1024 mappings, 64 GiB reserved, 5000 ms I/O timeout, no device
 * features, shrinkable fds accepted (as QEMU does). */
void vsf_options_default(struct vsf_options *opts);

enum vsf_log_level { VSF_LOG_ERROR, VSF_LOG_WARN, VSF_LOG_INFO, VSF_LOG_DEBUG };
typedef void (*vsf_log_fn)(void *opaque, enum vsf_log_level level, const char *msg);

/* Create a front-end; opts may be NULL for defaults. */
int vsf_frontend_new(const struct vsf_options *opts, struct vsf_frontend **out);
/* Remove every mapping, release every region and close every fd it owns. */
void vsf_frontend_free(struct vsf_frontend *fe);
/* Log callback; the library is silent until one is set. */
void vsf_frontend_set_log(struct vsf_frontend *fe, vsf_log_fn fn, void *opaque);
/* Reason for the most recent failure or rejected message ("" if none). */
const char *vsf_frontend_last_error(const struct vsf_frontend *fe);

/*
 * Drive the front-end channel on fd (borrowed, blocking I/O) in the order
 * QEMU's front-end uses (docs/protocol.md): GET_FEATURES, the protocol
 * features, SET_BACKEND_REQ_FD if BACKEND_REQ was negotiated, SET_OWNER,
 * GET_FEATURES again, GET_SHMEM_CONFIG if SHMEM was negotiated, and last
 * SET_FEATURES (this front-end has no separate device start). A backend
 * that does not offer VIRTIO_F_VERSION_1 is refused (-ENOTSUP): legacy
 * devices are out of scope. One without SHMEM gets a session with no
 * region. On success the backend channel, if any, is vsf_frontend_backend_fd().
 */
int vsf_frontend_connect(struct vsf_frontend *fe, int frontend_fd);

/*
 * Use an already negotiated backend channel (ownership of backend_fd passes
 * to the front-end, also on failure): for embedders that negotiate
 * themselves, and for tests. protocol_features is the negotiated set.
 */
int vsf_frontend_attach(struct vsf_frontend *fe, int backend_fd, uint64_t protocol_features);

/* Create regions from a config; validated whole like a GET_SHMEM_CONFIG reply. */
int vsf_frontend_configure(struct vsf_frontend *fe, uint32_t nregions,
			   const uint64_t sizes[256]);

/* A region added by the device model (not by the backend). */
int vsf_frontend_add_region(struct vsf_frontend *fe, uint8_t shmid, uint64_t size);

/* Close the backend channel, drop every mapping and region, forget the session. */
void vsf_frontend_disconnect(struct vsf_frontend *fe);

/* Device reset: every mapping is removed; regions stay reserved. */
void vsf_frontend_reset(struct vsf_frontend *fe);

/*
 * Back to the state right after attach and configure, silently: every
 * mapping is removed and, when none is left, the mapping table is released
 * and the last error forgotten; the session, the backend channel and the
 * regions stay. For a caller that keeps one front-end across runs (the
 * fuzzing harness). Returns how many mappings could not be removed (they
 * stay, as after vsf_frontend_reset).
 */
size_t vsf_frontend_recycle(struct vsf_frontend *fe);

/* The backend channel fd to poll for input, or -1. */
int vsf_frontend_backend_fd(const struct vsf_frontend *fe);
bool vsf_frontend_shmem_negotiated(const struct vsf_frontend *fe);
uint64_t vsf_frontend_protocol_features(const struct vsf_frontend *fe);

/* What vsf_frontend_connect() negotiated (all 0 before, or after attach for
 * the virtio features, which attach does not negotiate). */
struct vsf_negotiated {
	uint64_t features_offered;          /* GET_FEATURES */
	uint64_t features;                  /* acknowledged with SET_FEATURES */
	uint64_t protocol_features_offered; /* GET_PROTOCOL_FEATURES */
	uint64_t protocol_features;         /* SET_PROTOCOL_FEATURES */
};
void vsf_frontend_negotiated(const struct vsf_frontend *fe, struct vsf_negotiated *out);

/* The fields of a SHMEM_MAP / SHMEM_UNMAP payload (VhostUserMMap), as received. */
struct vsf_mmap_request {
	uint8_t shmid;
	uint64_t fd_offset, shm_offset, len, flags;
};

/* What happened to one backend message. */
struct vsf_verdict {
	bool received;         /* a whole message arrived: the rest describes it */
	uint32_t request;      /* the header as received */
	uint32_t flags;
	uint32_t size;         /* payload bytes */
	int result;            /* 0 accepted, negative errno rejected */
	bool replied;          /* a reply was sent */
	uint64_t reply_value;
	unsigned nfds;         /* fds that came with the message (all consumed) */
	bool too_many_fds;     /* more than the channel takes came (nfds is 0): all closed */
	bool has_mapping;      /* the payload was a VhostUserMMap, decoded here: */
	struct vsf_mmap_request mapping;
	/*
	 * The accepted change is in the memory map. false with result 0: the
	 * commit after the reply failed (vsf_frontend_last_error() says why).
	 */
	bool committed;
};

/*
 * Observe every well-framed backend message before it is handled: its wire
 * bytes (header and payload) and the fds that came with it (borrowed: valid
 * only during the call). For traffic capture; NULL removes the hook.
 */
typedef void (*vsf_rx_hook_fn)(void *opaque, const uint8_t *msg, size_t len, const int *fds,
			       size_t nfds);
void vsf_frontend_set_rx_hook(struct vsf_frontend *fe, vsf_rx_hook_fn fn, void *opaque);

/*
 * Receive and handle one backend message: validate, reply if NEED_REPLY,
 * then commit the change to the memory map. Returns 0 when a message was
 * handled (accepted or rejected, see verdict, which may be NULL), -EAGAIN
 * if none was pending within the I/O timeout, or another negative errno
 * when the channel failed or framing was lost; the channel is then closed.
 */
int vsf_frontend_handle_backend(struct vsf_frontend *fe, struct vsf_verdict *verdict);

struct vsf_region_info {
	uint8_t shmid;
	uint64_t size;
	void *base;
};

struct vsf_mapping_info {
	uint8_t shmid;
	uint64_t shm_offset;
	uint64_t len;
	uint64_t fd_offset;
	bool rw;
};

/* Look up region shmid; false if there is none. */
bool vsf_frontend_region(const struct vsf_frontend *fe, uint8_t shmid,
			 struct vsf_region_info *info);
size_t vsf_frontend_region_count(const struct vsf_frontend *fe);
/* Live mappings, ordered by shmid then shm_offset. */
size_t vsf_frontend_mapping_count(const struct vsf_frontend *fe);
bool vsf_frontend_mapping(const struct vsf_frontend *fe, size_t index,
			  struct vsf_mapping_info *info);

#endif
