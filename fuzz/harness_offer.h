/* SPDX-License-Identifier: MIT */
/*
 * The backend the executor plays in process, as an input's ops set it
 * (harness.h): what session and config ops make it offer, and the in-process
 * meaning of answer ops. A rule acts only where the shadow model knows what
 * it means (offer_set_answer); the process driver gives every rule its
 * meaning (process_driver.h).
 */
#ifndef VSF_HARNESS_OFFER_H
#define VSF_HARNESS_OFFER_H

#include <stdbool.h>
#include <stdint.h>

#include "backend_peer.h"
#include "harness.h"
#include "program.h"

/* A session op: what GET_FEATURES, GET_PROTOCOL_FEATURES and SET_BACKEND_REQ_FD answer. */
void offer_set_session(struct backend_offer *offer, const struct vsf_op *op);
/*
 * An answer op, a rule of the offer where it acts in process (kind's
 * harness). False when it is not applicable there (the caller counts it in
 * vsf_harness_not_applicable); the offer is then unchanged.
 */
bool offer_set_answer(struct backend_offer *offer, enum vsf_harness_kind kind,
		      const struct vsf_op *op);

/* The u64 the backend answers to the nth request with this id (rules here are plain). */
uint64_t offer_answered(const struct backend_offer *offer, uint32_t request, unsigned nth,
			uint64_t offered);
/* The protocol features a backend-channel connection attaches with: the offered ones it takes. */
uint64_t offer_protocol_features(const struct backend_offer *offer);

#endif
