/* SPDX-License-Identifier: MIT */
/*
 * The backend-request dispatcher: no I/O. It takes one received message with
 * its fds and decides: a verdict, the reply to send (if NEED_REPLY), and a
 * prepared change to the memory map that the caller commits only after the
 * reply has been sent.
 */
#ifndef VSF_BACKEND_DISPATCH_H
#define VSF_BACKEND_DISPATCH_H

#include <stdbool.h>

#include "channel.h"
#include "error.h"
#include "regions.h"

struct vsf_backend_outcome {
	int result;                  /* 0 accepted, negative errno rejected */
	struct vsf_error err;        /* reason when rejected */
	bool reply;                  /* a reply must be sent */
	struct vsf_wire_header reply_hdr;
	uint64_t reply_value;        /* 0 on success, non-zero on failure */
	struct vsf_change change;    /* to commit after the reply */
	bool has_mm;                 /* the payload was a VhostUserMMap: */
	struct vsf_wire_mmap mm;     /* decoded, whatever the verdict */
};

/*
 * Decide on one backend message. Every fd in rx is consumed (closed or
 * mapped) whatever the verdict. Returns out->result.
 */
int vsf_backend_dispatch(struct vsf_regions *r, bool shmem_negotiated, struct vsf_rx *rx,
			 struct vsf_backend_outcome *out);

#endif
