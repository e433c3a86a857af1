/* SPDX-License-Identifier: MIT */
/* The shadow-model oracle (oracle_shadow_model.h). */
#define _GNU_SOURCE
#include "oracle_shadow_model.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "oracle_liveness.h"
#include "wire.h"

void shadow_check_regions(const struct oracle_where *where, const struct vsf_frontend *fe,
			  const struct shadow_model *m)
{
	size_t n = vsf_frontend_region_count(fe), want = model_region_count(m);

	ORACLE_CHECK(where, "shadow-model", n == want, "%zu regions, model has %zu", n, want);
	for (int id = 0; id < VSF_MAX_SHMEM_REGIONS; id++) {
		struct vsf_region_info info;
		bool have = vsf_frontend_region(fe, (uint8_t)id, &info);

		ORACLE_CHECK(where, "shadow-model", have == (m->region_size[id] != 0),
			     "region %d %s, model says %s", id, have ? "exists" : "missing",
			     m->region_size[id] ? "exists" : "none");
		ORACLE_CHECK(where, "shadow-model", !have || info.size == m->region_size[id],
			     "region %d is 0x%llx bytes, model 0x%llx", id,
			     (unsigned long long)info.size, (unsigned long long)m->region_size[id]);
	}
}

void shadow_check_recycled(const struct oracle_where *where, const struct vsf_frontend *fe)
{
	ORACLE_CHECK(where, "shadow-model", !vsf_frontend_last_error(fe)[0],
		     "recycled, but the last error still says \"%s\"", vsf_frontend_last_error(fe));
}

static bool mapping_in_model(const struct shadow_model *m, const struct vsf_mapping_info *mi)
{
	for (size_t i = 0; i < m->nmaps; i++) {
		const struct model_mapping *mm = &m->maps[i];

		if (mm->shmid == mi->shmid && mm->shm_offset == mi->shm_offset && mm->len == mi->len &&
		    mm->fd_offset == mi->fd_offset && mm->rw == mi->rw)
			return true;
	}
	return false;
}

void shadow_check_mappings(const struct oracle_where *where, const struct vsf_frontend *fe,
			   const struct shadow_model *m)
{
	size_t n = vsf_frontend_mapping_count(fe);

	ORACLE_CHECK(where, "shadow-model", n == m->nmaps, "%zu mappings, model has %zu", n,
		     m->nmaps);
	for (size_t i = 0; i < n; i++) {
		struct vsf_mapping_info mi;

		ORACLE_CHECK(where, "shadow-model", vsf_frontend_mapping(fe, i, &mi),
			     "mapping %zu of %zu not readable", i, n);
		ORACLE_CHECK(where, "shadow-model", mapping_in_model(m, &mi),
			     "mapping shmid %u 0x%llx+0x%llx (fd_offset 0x%llx, %s) not in the model",
			     mi.shmid, (unsigned long long)mi.shm_offset, (unsigned long long)mi.len,
			     (unsigned long long)mi.fd_offset, mi.rw ? "rw" : "ro");
	}
}

void *shadow_region_base(const struct oracle_where *where, const struct vsf_frontend *fe,
			 uint8_t shmid)
{
	struct vsf_region_info info;

	ORACLE_CHECK(where, "shadow-model", vsf_frontend_region(fe, shmid, &info),
		     "region %u missing", shmid);
	return info.base;
}

void shadow_fault_unexpected(const struct oracle_where *where, const struct fault_event *ev,
			     const char *context)
{
	oracle_fail(where, "shadow-model",
		    "the front-end's %s failed (injected %s) %s, where the model expects no such call",
		    fault_call_name(ev->call), strerrorname_np(ev->err), context);
}

void shadow_check_channel(const struct oracle_where *where, const struct vsf_frontend *fe,
			  const struct shadow_model *m)
{
	bool open = vsf_frontend_backend_fd(fe) >= 0;

	ORACLE_CHECK(where, "shadow-model", open == m->channel_open,
		     "backend channel %s, model says %s", open ? "open" : "closed",
		     m->channel_open ? "open" : "closed");
}

void shadow_check_closed(const struct oracle_where *where, const struct vsf_frontend *fe,
			 const char *why)
{
	ORACLE_CHECK(where, "shadow-model", vsf_frontend_backend_fd(fe) < 0,
		     "%s but the channel stays open", why);
}

/* A failed call ends the negotiation where it failed: the requests sent so
 * far are a prefix of the usual ones, and connect fails. */
void shadow_check_connect(const struct oracle_where *where, const struct vsf_frontend *fe,
			  const struct model_session *s, int ret, const struct fault_event *ev)
{
	bool ok = s->ok;

	if (ev) {
		if ((ev->call == FAULT_SOCKETPAIR && !s->sends_backend_fd) ||
		    (ev->call == FAULT_MMAP && !s->ok) || ev->call == FAULT_MREMAP ||
		    ev->call == FAULT_FSTAT || ev->call == FAULT_FSTATFS)
			shadow_fault_unexpected(where, ev, "in connect");
		ok = false;
		/* A reset peer reads as its end: before a reply, or in one (EPROTO). */
		ORACLE_CHECK(where, "shadow-model",
			     ret == -ev->err || (ev->err == ECONNRESET && ret == -EPROTO),
			     "connect with a failed %s returned %d (%s), expected %d",
			     fault_call_name(ev->call), ret, vsf_frontend_last_error(fe), -ev->err);
	}
	ORACLE_CHECK(where, "shadow-model", (ret == 0) == ok,
		     "connect returned %d (%s), model expects %s", ret, vsf_frontend_last_error(fe),
		     ok ? "success" : "failure");
}

void shadow_check_attach(const struct oracle_where *where, int ret)
{
	ORACLE_CHECK(where, "shadow-model", ret == 0, "attach failed: %d", ret);
}

void shadow_check_configure(const struct oracle_where *where, const struct vsf_frontend *fe,
			    int ret, bool ok, const struct fault_event *ev)
{
	if (ev) {
		/* A region's reservation failed: all or nothing, so none. */
		if (ev->call != FAULT_MMAP || !ok)
			shadow_fault_unexpected(where, ev, "in configure");
		ORACLE_CHECK(where, "shadow-model", ret == -ev->err,
			     "configure with a failed mmap returned %d (%s), expected %d", ret,
			     vsf_frontend_last_error(fe), -ev->err);
		return;
	}
	ORACLE_CHECK(where, "shadow-model", (ret == 0) == ok,
		     "configure returned %d (%s), model expects %s", ret,
		     vsf_frontend_last_error(fe), ok ? "success" : "rejection");
}

void shadow_check_add_region(const struct oracle_where *where, uint8_t shmid, uint64_t size,
			     int ret, bool ok, const struct fault_event *ev)
{
	if (ev) {
		/* The reservation failed: no region. */
		if (ev->call != FAULT_MMAP || !ok)
			shadow_fault_unexpected(where, ev, "in add_region");
		ok = false;
	}
	ORACLE_CHECK(where, "shadow-model", (ret == 0) == ok,
		     "add_region %u 0x%llx returned %d, model expects %s", shmid,
		     (unsigned long long)size, ret, ok ? "success" : "rejection");
}

void shadow_check_hangup(const struct oracle_where *where, const struct vsf_frontend *fe, int ret,
			 const struct fault_event *ev)
{
	int want = -ECONNRESET;

	if (ev) {
		if (ev->call != FAULT_RECVMSG)
			shadow_fault_unexpected(where, ev, "reading the end of the stream");
		want = ev->err == ECONNRESET ? -ECONNRESET : -ev->err;
	}
	ORACLE_CHECK(where, "shadow-model", ret == want,
		     "end of stream: handle returned %d (%s), expected %d", ret,
		     vsf_frontend_last_error(fe), want);
	shadow_check_closed(where, fe, "end of stream");
}

/* Looking for one more message, only a failed read or wait matters. */
void shadow_check_idle(const struct oracle_where *where, const struct vsf_frontend *fe, int ret,
		       const struct fault_event *ev)
{
	if (ev && ev->call != FAULT_RECVMSG && ev->call != FAULT_POLL)
		shadow_fault_unexpected(where, ev, "with no message pending");
	ORACLE_CHECK(where, "shadow-model", ev ? ret < 0 && ret != -EAGAIN : ret == -EAGAIN,
		     "handle returned %d with no message pending%s", ret,
		     ev ? " and a failed read" : "");
	if (ev)
		shadow_check_closed(where, fe, "a read failed");
}

static const char *request_name(uint32_t request)
{
	const char *name = vsf_backend_request_name(request);

	return name ? name : "unknown request";
}

/* Accepted or rejected, with the result the model knows, and committed. */
static void check_verdict(const struct oracle_where *where, const struct vsf_frontend *fe,
			  const struct model_verdict *mv, int ret, const struct vsf_verdict *v)
{
	ORACLE_CHECK(where, "shadow-model", mv->channel_closes ? ret < 0 && ret != -EAGAIN : ret == 0,
		     "%s (%u): handle returned %d (%s)", request_name(mv->request), mv->request, ret,
		     vsf_frontend_last_error(fe));
	ORACLE_CHECK(where, "shadow-model", (v->result == 0) == mv->accepted,
		     "%s (%u): front-end %s%s%s%s, model says %s%s%s%s", request_name(mv->request),
		     mv->request, v->result == 0 ? "accepted" : "rejected", v->result ? " (" : "",
		     v->result ? vsf_frontend_last_error(fe) : "", v->result ? ")" : "",
		     mv->accepted ? "accept" : "reject", mv->why ? " (" : "", mv->why ? mv->why : "",
		     mv->why ? ")" : "");
	ORACLE_CHECK(where, "shadow-model", !mv->result || v->result == mv->result,
		     "%s (%u): front-end result %d (%s), model expects %d (%s)",
		     request_name(mv->request), mv->request, v->result, vsf_frontend_last_error(fe),
		     mv->result, mv->why ? mv->why : "");
	ORACLE_CHECK(where, "shadow-model", !mv->accepted || v->committed != mv->commit_fails,
		     "%s (%u): the change was %scommitted, model says %s", request_name(mv->request),
		     mv->request, v->committed ? "" : "not ",
		     mv->commit_fails ? "the commit fails (injected)" : "committed");
}

void shadow_check_message(const struct oracle_where *where, const struct vsf_frontend *fe,
			  const struct model_verdict *mv, int ret, const struct vsf_verdict *v,
			  const struct fault_event *ev)
{
	if (mv->fault_unexpected)
		shadow_fault_unexpected(where, ev, "handling this message");
	if (mv->io_failed) {
		ORACLE_CHECK(where, "shadow-model", ret < 0 && ret != -EAGAIN && !v->received,
			     "a read failed (injected %s) but handle returned %d%s",
			     strerrorname_np(ev->err), ret, v->received ? " with a message" : "");
		shadow_check_closed(where, fe, "a read failed");
		return;
	}
	if (!mv->framed) {
		ORACLE_CHECK(where, "shadow-model", ret < 0 && ret != -EAGAIN,
			     "framing is lost (%zu bytes left) but handle returned %d", where->msg_len,
			     ret);
		shadow_check_closed(where, fe, "framing is lost");
		return;
	}
	check_verdict(where, fe, mv, ret, v);
}

void shadow_check_target_closes(const struct oracle_where *where, int fd, int timeout_ms,
				const char *why)
{
	uint64_t deadline = liveness_now() + (uint64_t)timeout_ms * 1000000;
	bool closed = false;

	/* POLLHUP, not a read of 0 bytes: after our own shutdown(SHUT_RD) a
	 * read returns 0 whatever the target did; POLLHUP on a unix stream
	 * socket means its end is closed. Bytes it sends meanwhile are read
	 * and dropped, so that poll does not return at once again. A signal
	 * (libFuzzer's SIGALRM) ends no wait: the deadline does. */
	while (!closed) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = liveness_now();
		uint8_t buf[256];
		int n;

		if (now >= deadline)
			break;
		n = poll(&pfd, 1, (int)((deadline - now) / 1000000) + 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		closed = pfd.revents & (POLLHUP | POLLERR);
		if (!closed && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) == 0) {
			/* read side shut by us: nothing to drop, wait on */
			struct timespec ms = { 0, 1000000 };

			nanosleep(&ms, NULL);
		}
	}
	ORACLE_CHECK(where, "shadow-model", closed, "%s but the channel stays open", why);
}
