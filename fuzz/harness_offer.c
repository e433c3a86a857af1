/* SPDX-License-Identifier: MIT */
/* The backend the executor plays, as an input's ops set it (harness_offer.h). */
#include "harness_offer.h"

#include "wire.h"

void offer_set_session(struct backend_offer *offer, const struct vsf_op *op)
{
	backend_offer_set_session(offer, op);
	/* In process the shadow model knows one GET_FEATURES answer only. */
	offer->features_after_owner = 0;
}

/*
 * An answer op acts where the shadow model knows what it means: a plain
 * value where the session's negotiation reads one answer (both GET_FEATURES
 * alike, the first GET_PROTOCOL_FEATURES and SET_BACKEND_REQ_FD); it is then
 * what model_negotiate is given. Every other rule (a withheld or malformed
 * reply, fds, a request our front-end never sends, any rule when nothing
 * is negotiated) is not applicable: counted and skipped.
 */
static bool answer_modelled(enum vsf_harness_kind kind, const struct backend_rule *rule)
{
	if (kind != VSF_HARNESS_FRONTEND_SESSION || !backend_rule_plain(rule))
		return false;
	switch (rule->request) {
	case VSF_REQ_GET_FEATURES:
		return rule->nth == 0;
	case VSF_REQ_GET_PROTOCOL_FEATURES:
	case VSF_REQ_SET_BACKEND_REQ_FD:
		return rule->nth <= 1;
	default:
		return false;
	}
}

bool offer_set_answer(struct backend_offer *offer, enum vsf_harness_kind kind,
		      const struct vsf_op *op)
{
	struct backend_rule rule;

	backend_rule_from_op(op, NULL, 0, &rule);
	/* fds to send make it not plain */
	return !op->nfds && answer_modelled(kind, &rule) && backend_offer_add_rule(offer, &rule);
}

uint64_t offer_answered(const struct backend_offer *offer, uint32_t request, unsigned nth,
			uint64_t offered)
{
	const struct backend_rule *rule = backend_offer_rule(offer, request, nth);

	return rule ? rule->value : offered;
}

uint64_t offer_protocol_features(const struct backend_offer *offer)
{
	return offer->protocol_features & VSF_PROTOCOL_FEATURES_OFFERED;
}
