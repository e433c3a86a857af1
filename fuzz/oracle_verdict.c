/* SPDX-License-Identifier: MIT */
/* The verdict oracle (oracle_verdict.h). */
#include "oracle_verdict.h"

#include <stdbool.h>
#include <string.h>

#include "shadow_model.h"
#include "wire.h"

#define REPLY_BYTES (MODEL_HEADER_BYTES + 8)

static void check_mapping(const struct oracle_where *where, const struct vsf_verdict *v,
			  const uint8_t *payload)
{
	struct model_mmap mm;
	const struct vsf_mmap_request *got = &v->mapping;

	model_read_mmap(payload, &mm);
	ORACLE_CHECK(where, "verdict",
		     got->shmid == mm.shmid && got->fd_offset == mm.fd_offset &&
			     got->shm_offset == mm.shm_offset && got->len == mm.len &&
			     got->flags == mm.flags,
		     "verdict mapping shmid %u fd_offset 0x%llx shm_offset 0x%llx len 0x%llx "
		     "flags 0x%llx, the message says %u 0x%llx 0x%llx 0x%llx 0x%llx",
		     got->shmid, (unsigned long long)got->fd_offset,
		     (unsigned long long)got->shm_offset, (unsigned long long)got->len,
		     (unsigned long long)got->flags, mm.shmid, (unsigned long long)mm.fd_offset,
		     (unsigned long long)mm.shm_offset, (unsigned long long)mm.len,
		     (unsigned long long)mm.flags);
}

void verdict_check(const struct oracle_where *where, const struct vsf_frontend *fe,
		   const struct vsf_verdict *v, size_t nfds, const uint8_t *reply, size_t n)
{
	struct model_header h;
	bool is_mmap;

	model_read_header(where->msg, &h);
	ORACLE_CHECK(where, "verdict",
		     v->received && v->request == h.request && v->flags == h.flags &&
			     v->size == h.size,
		     "verdict %s request %u flags 0x%x size %u, the message's header is %u 0x%x %u",
		     v->received ? "received" : "not received", v->request, v->flags, v->size,
		     h.request, h.flags, h.size);
	/* More fds than the channel takes are all closed and none is counted. */
	ORACLE_CHECK(where, "verdict",
		     nfds > VSF_MAX_FDS ? v->too_many_fds && v->nfds == 0
					: !v->too_many_fds && v->nfds == nfds,
		     "verdict nfds %u too_many_fds %d, the message came with %zu fds", v->nfds,
		     v->too_many_fds, nfds);
	/* The reply-protocol oracle has judged the reply's bytes already. */
	if (v->replied)
		ORACLE_CHECK(where, "verdict",
			     n >= REPLY_BYTES &&
				     v->reply_value == model_read_u64(reply + MODEL_HEADER_BYTES),
			     "verdict reply_value 0x%llx, the reply on the wire says 0x%llx",
			     (unsigned long long)v->reply_value,
			     n >= REPLY_BYTES
				     ? (unsigned long long)model_read_u64(reply + MODEL_HEADER_BYTES)
				     : 0ull);
	is_mmap = (h.request == VSF_BACKEND_SHMEM_MAP || h.request == VSF_BACKEND_SHMEM_UNMAP) &&
		  h.size == MODEL_MMAP_BYTES;
	ORACLE_CHECK(where, "verdict", v->has_mapping == is_mmap,
		     "verdict has_mapping %d, but the payload %s a VhostUserMMap", v->has_mapping,
		     is_mmap ? "is" : "is not");
	if (is_mmap)
		check_mapping(where, v, where->msg + MODEL_HEADER_BYTES);
	ORACLE_CHECK(where, "verdict", !v->result || vsf_frontend_last_error(fe)[0],
		     "rejected with %d but vsf_frontend_last_error gives no reason", v->result);
}

void verdict_note_last_error(struct last_error_before *before, const struct vsf_frontend *fe)
{
	const char *now = vsf_frontend_last_error(fe);
	size_t n = strnlen(now, sizeof(before->text) - 1);

	memcpy(before->text, now, n);
	before->text[n] = '\0';
}

void verdict_check_last_error_kept(const struct oracle_where *where, const struct vsf_frontend *fe,
				   const struct last_error_before *before, const char *call)
{
	const char *now = vsf_frontend_last_error(fe);

	ORACLE_CHECK(where, "verdict", !strncmp(before->text, now, sizeof(before->text)),
		     "%s succeeded but the last error changed from \"%s\" to \"%s\"", call,
		     before->text, now);
}
