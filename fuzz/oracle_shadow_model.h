/* SPDX-License-Identifier: MIT */
/*
 * The shadow-model oracle: what the front-end's API says it did agrees with
 * the pure model (shadow_model.h) after every step: the result of each
 * call (connect, attach, configure, add_region, handling a message or the
 * end of the stream), accept or reject and the result of each message,
 * whether its change was committed, whether the backend channel is open,
 * the region table (ids, sizes) and the mapping table (shmid, offsets,
 * length, protection); and no injected failure fires where the model
 * expects no such call.
 *
 * In process: it reads the front-end through our library's API (its
 * return values, struct vsf_verdict, the region and mapping tables). An
 * out-of-process driver asks the same model, and sees its verdicts through
 * the reply-protocol, memory-truth and resources oracles instead; of this
 * family it has only shadow_check_target_closes, the channel's state as
 * the backend's end of it shows it.
 */
#ifndef VSF_ORACLE_SHADOW_MODEL_H
#define VSF_ORACLE_SHADOW_MODEL_H

#include <stdint.h>

#include "fault.h"
#include "oracles.h"
#include "shadow_model.h"
#include "vhost_shmem.h"

/* The region table is the model's: the same ids and sizes. */
void shadow_check_regions(const struct oracle_where *where, const struct vsf_frontend *fe,
			  const struct shadow_model *m);
/* The mapping table: as many mappings as the model's, each one of them. */
void shadow_check_mappings(const struct oracle_where *where, const struct vsf_frontend *fe,
			   const struct shadow_model *m);
/* Recycled with nothing left stuck: the last error is forgotten (vhost_shmem.h). */
void shadow_check_recycled(const struct oracle_where *where, const struct vsf_frontend *fe);
/* Region shmid's first byte: the model has the region, so must the front-end. */
void *shadow_region_base(const struct oracle_where *where, const struct vsf_frontend *fe,
			 uint8_t shmid);

/* A fault (ev) fired in a call the model does not expect there (context). */
_Noreturn void shadow_fault_unexpected(const struct oracle_where *where,
				       const struct fault_event *ev, const char *context);

/* The backend channel is open exactly when the model says. */
void shadow_check_channel(const struct oracle_where *where, const struct vsf_frontend *fe,
			  const struct shadow_model *m);
/* The channel closed after what happened (why), as the model says it must. */
void shadow_check_closed(const struct oracle_where *where, const struct vsf_frontend *fe,
			 const char *why);

/* The results of the calls; ev: the injected failure that fired in it, or NULL. */
void shadow_check_connect(const struct oracle_where *where, const struct vsf_frontend *fe,
			  const struct model_session *s, int ret, const struct fault_event *ev);
void shadow_check_attach(const struct oracle_where *where, int ret);
/* ok: the model accepts the config (with ev: the config is valid). */
void shadow_check_configure(const struct oracle_where *where, const struct vsf_frontend *fe,
			    int ret, bool ok, const struct fault_event *ev);
void shadow_check_add_region(const struct oracle_where *where, uint8_t shmid, uint64_t size,
			     int ret, bool ok, const struct fault_event *ev);
/* Handling the end of the stream. */
void shadow_check_hangup(const struct oracle_where *where, const struct vsf_frontend *fe, int ret,
			 const struct fault_event *ev);
/* Handling with no message pending. */
void shadow_check_idle(const struct oracle_where *where, const struct vsf_frontend *fe, int ret,
		       const struct fault_event *ev);
/*
 * One message handled: what handle returned (ret) and its verdict (v)
 * against the model's (mv). Its replies, tables and memory are the
 * caller's to check next; then, if the model says the channel closes,
 * shadow_check_closed.
 */
void shadow_check_message(const struct oracle_where *where, const struct vsf_frontend *fe,
			  const struct model_verdict *mv, int ret, const struct vsf_verdict *v,
			  const struct fault_event *ev);

/*
 * Out of process: the model says the backend channel closes (framing lost,
 * an undeliverable reply), so the target's end must close within
 * timeout_ms: fd, our end, reads the end of the stream.
 */
void shadow_check_target_closes(const struct oracle_where *where, int fd, int timeout_ms,
				const char *why);

#endif
