/* SPDX-License-Identifier: MIT */
/*
 * The names of every vhost-user request, both channels, as the spec spells
 * them without the VHOST_USER_ prefix: what target profiles, program text
 * and reports use. The library (src/wire.h) names only the requests it
 * handles; a front-end we did not write sends many more.
 */
#ifndef VSF_VHOST_NAMES_H
#define VSF_VHOST_NAMES_H

#include <stdbool.h>
#include <stdint.h>

enum vhost_channel {
	VHOST_FRONTEND_CHANNEL, /* requests a front-end sends */
	VHOST_BACKEND_CHANNEL,  /* requests a backend sends */
};

/* Front-end request ids this file names beyond src/wire.h's. */
enum {
	VHOST_REQ_GET_QUEUE_NUM = 17,
	VHOST_REQ_GET_VRING_BASE = 11,
	VHOST_REQ_GET_CONFIG = 24,
	VHOST_REQ_GET_INFLIGHT_FD = 31,
	VHOST_REQ_GET_MAX_MEM_SLOTS = 36,
	VHOST_REQ_GET_STATUS = 40,
};

/* The name of request id on channel ch, or NULL for an id the spec does not define. */
const char *vhost_request_name(enum vhost_channel ch, uint32_t id);

/*
 * The id of a request named name on channel ch: a name as above (case
 * ignored, with or without "VHOST_USER_" / "VHOST_USER_BACKEND_"), or a
 * number. false for neither.
 */
bool vhost_request_by_name(enum vhost_channel ch, const char *name, uint32_t *id);

#endif
