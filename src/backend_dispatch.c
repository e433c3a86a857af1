/* SPDX-License-Identifier: MIT */
#include "backend_dispatch.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "syscalls.h"

/* Header rules every backend request obeys; fills err on a violation. */
static int check_header(const struct vsf_wire_header *h, struct vsf_error *err)
{
	if ((h->flags & VSF_FLAG_VERSION_MASK) != VSF_FLAG_VERSION)
		return vsf_error_set(err, -EPROTO, "version %u, expected %u",
				     h->flags & VSF_FLAG_VERSION_MASK, VSF_FLAG_VERSION);
	if (h->flags & VSF_FLAG_REPLY)
		return vsf_error_set(err, -EPROTO, "REPLY flag set on a request");
	if (h->flags & ~VSF_FLAG_KNOWN)
		return vsf_error_set(err, -EPROTO, "unknown header flags 0x%x",
				     h->flags & ~VSF_FLAG_KNOWN);
	return 0;
}

/* Payload and fd rules shared by map and unmap (out->mm holds the payload). */
static int check_mmap_message(const struct vsf_rx *rx, size_t want_fds,
			      struct vsf_backend_outcome *out)
{
	struct vsf_wire_mmap *mm = &out->mm;
	struct vsf_error *err = &out->err;
	const char *name = vsf_backend_request_name(rx->msg.hdr.request);

	if (rx->msg.hdr.size != VSF_MMAP_PAYLOAD_SIZE)
		return vsf_error_set(err, -EBADMSG, "%s: payload size %u, expected %u", name,
				     rx->msg.hdr.size, VSF_MMAP_PAYLOAD_SIZE);
	if (rx->fds_cut)
		return vsf_error_set(err, -EBADMSG,
				     "%s: fds cut off by the kernel (more than %u, or more than this "
				     "process's fd limit lets it take)", name, VSF_MAX_FDS);
	if (rx->fds_overflow)
		return vsf_error_set(err, -EBADMSG, "%s: more than %u fds", name, VSF_MAX_FDS);
	if (rx->nfds != want_fds)
		return vsf_error_set(err, -EBADMSG, "%s: %zu fds, expected %zu", name, rx->nfds,
				     want_fds);
	if (mm->flags & ~VSF_MMAP_F_KNOWN)
		return vsf_error_set(err, -EINVAL, "%s: unknown flags 0x%llx", name,
				     (unsigned long long)(mm->flags & ~VSF_MMAP_F_KNOWN));
	return 0;
}

static int handle_map(struct vsf_regions *r, struct vsf_rx *rx, struct vsf_backend_outcome *out)
{
	const struct vsf_wire_mmap *mm = &out->mm;
	struct vsf_mapping m;
	int ret;

	ret = check_mmap_message(rx, 1, out);
	if (ret < 0)
		return ret;
	m = (struct vsf_mapping){
		.shmid = mm->shmid,
		.shm_offset = mm->shm_offset,
		.len = mm->len,
		.fd_offset = mm->fd_offset,
		.rw = mm->flags & VSF_MMAP_F_RW,
	};
	/* The fd stays with rx (closed by the caller); a staged mapping keeps its own reference. */
	ret = vsf_regions_prepare_map(r, &m, rx->fds[0], &out->change, &out->err);
	return ret;
}

static int handle_unmap(struct vsf_regions *r, struct vsf_rx *rx, struct vsf_backend_outcome *out)
{
	const struct vsf_wire_mmap *mm = &out->mm;
	int ret;

	ret = check_mmap_message(rx, 0, out);
	if (ret < 0)
		return ret;
	return vsf_regions_prepare_unmap(r, mm->shmid, mm->shm_offset, mm->len, &out->change,
					 &out->err);
}

static int decide(struct vsf_regions *r, bool shmem_negotiated, struct vsf_rx *rx,
		  struct vsf_backend_outcome *out)
{
	const struct vsf_wire_header *h = &rx->msg.hdr;
	int ret;

	ret = check_header(h, &out->err);
	if (ret < 0)
		return ret;
	switch (h->request) {
	case VSF_BACKEND_SHMEM_MAP:
	case VSF_BACKEND_SHMEM_UNMAP:
		if (!shmem_negotiated)
			return vsf_error_set(&out->err, -ENOTSUP, "%s: SHMEM was not negotiated",
					     vsf_backend_request_name(h->request));
		return h->request != VSF_BACKEND_SHMEM_UNMAP ? handle_map(r, rx, out)
							     : handle_unmap(r, rx, out);
	default:
		break;
	}
	if (vsf_backend_request_name(h->request))
		return vsf_error_set(&out->err, -ENOTSUP, "backend request %s (%u) not supported",
				     vsf_backend_request_name(h->request), h->request);
	return vsf_error_set(&out->err, -ENOTSUP, "unknown backend request %u", h->request);
}

int vsf_backend_dispatch(struct vsf_regions *r, bool shmem_negotiated, struct vsf_rx *rx,
			 struct vsf_backend_outcome *out)
{
	const struct vsf_wire_header *h = &rx->msg.hdr;

	memset(out, 0, sizeof(*out));
	/* For the verdict, whether or not the message is accepted. */
	if ((h->request == VSF_BACKEND_SHMEM_MAP || h->request == VSF_BACKEND_SHMEM_UNMAP) &&
	    h->size == VSF_MMAP_PAYLOAD_SIZE) {
		vsf_decode_mmap(rx->msg.payload, &out->mm);
		out->has_mm = true;
	}
	out->result = decide(r, shmem_negotiated, rx, out);
	vsf_rx_close_fds(rx);

	/* Exactly one reply when asked for, its value always written here. */
	if (rx->msg.hdr.flags & VSF_FLAG_NEED_REPLY) {
		uint64_t value = (uint64_t)-out->result; /* the errno: non-zero */

		out->reply = true;
		out->reply_hdr = (struct vsf_wire_header){
			.request = rx->msg.hdr.request,
			.flags = VSF_REPLY_FLAGS,
			.size = VSF_U64_PAYLOAD_SIZE,
		};
		out->reply_value = value;
	}
	return out->result;
}
