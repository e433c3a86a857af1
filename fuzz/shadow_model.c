/* SPDX-License-Identifier: MIT */
#include "shadow_model.h"

#include <errno.h>
#include <string.h>

#include "program.h"

typedef unsigned __int128 u128;

static uint64_t load_le(const uint8_t *p, int nbytes)
{
	uint64_t v = 0;

	while (nbytes--)
		v = v << 8 | p[nbytes];
	return v;
}

void model_read_header(const uint8_t *b, struct model_header *h)
{
	h->request = (uint32_t)load_le(b, 4);
	h->flags = (uint32_t)load_le(b + 4, 4);
	h->size = (uint32_t)load_le(b + 8, 4);
}

void model_read_mmap(const uint8_t *b, struct model_mmap *mm)
{
	mm->shmid = b[0];
	mm->fd_offset = load_le(b + 8, 8);
	mm->shm_offset = load_le(b + 16, 8);
	mm->len = load_le(b + 24, 8);
	mm->flags = load_le(b + 32, 8);
}

uint64_t model_read_u64(const uint8_t *b)
{
	return load_le(b, 8);
}

/* memfd seals that forbid a shared writable mapping (F_SEAL_WRITE, F_SEAL_FUTURE_WRITE). */
#define MODEL_SEAL_WRITE     0x0008u
#define MODEL_SEALS_NO_WRITE (MODEL_SEAL_WRITE | 0x0010u)
#define MODEL_SEAL_SHRINK    0x0002u

void model_init(struct shadow_model *m, uint32_t max_mappings, uint64_t max_reserved,
		uint64_t page_size)
{
	memset(m, 0, sizeof(*m));
	m->max_mappings = max_mappings;
	m->max_reserved = max_reserved;
	m->page_size = page_size;
}

void model_disconnect(struct shadow_model *m)
{
	memset(m->region_size, 0, sizeof(m->region_size));
	m->nmaps = 0;
	m->shmem = false;
	m->channel_open = false;
	m->peer_read_shut = false;
}

void model_attach(struct shadow_model *m, uint64_t pf, bool has_channel)
{
	model_disconnect(m);
	m->shmem = (pf >> VSF_PROTOCOL_F_SHMEM) & 1;
	m->channel_open = has_channel;
}

static u128 reserved_total(const struct shadow_model *m)
{
	u128 sum = 0;

	for (int i = 0; i < VSF_MAX_SHMEM_REGIONS; i++)
		sum += m->region_size[i];
	return sum;
}

static bool is_page_multiple(const struct shadow_model *m, u128 v)
{
	return v % m->page_size == 0;
}

size_t model_region_count(const struct shadow_model *m)
{
	size_t n = 0;

	for (int i = 0; i < VSF_MAX_SHMEM_REGIONS; i++)
		n += m->region_size[i] != 0;
	return n;
}

bool model_config_valid(const struct shadow_model *m, uint32_t nregions,
			const uint64_t sizes[VSF_MAX_SHMEM_REGIONS])
{
	u128 total = reserved_total(m);
	uint32_t nonzero = 0;

	if (!m->shmem || nregions > VSF_MAX_SHMEM_REGIONS)
		return false;
	for (int i = 0; i < VSF_MAX_SHMEM_REGIONS; i++) {
		if (!sizes[i])
			continue;
		if (!is_page_multiple(m, sizes[i]) || m->region_size[i])
			return false;
		nonzero++;
		total += sizes[i];
	}
	return nonzero == nregions && total <= m->max_reserved;
}

bool model_configure(struct shadow_model *m, uint32_t nregions,
		     const uint64_t sizes[VSF_MAX_SHMEM_REGIONS])
{
	if (!model_config_valid(m, nregions, sizes))
		return false;
	for (int i = 0; i < VSF_MAX_SHMEM_REGIONS; i++)
		if (sizes[i])
			m->region_size[i] = sizes[i];
	return true;
}

bool model_add_region(struct shadow_model *m, uint8_t shmid, uint64_t size)
{
	if (m->region_size[shmid] || !size || !is_page_multiple(m, size) ||
	    reserved_total(m) + size > m->max_reserved)
		return false;
	m->region_size[shmid] = size;
	return true;
}

void model_reset(struct shadow_model *m)
{
	m->nmaps = 0;
}

void model_reset_except(struct shadow_model *m, uint8_t shmid, uint64_t shm_offset)
{
	size_t kept = 0;

	for (size_t i = 0; i < m->nmaps; i++)
		if (m->maps[i].shmid == shmid && m->maps[i].shm_offset == shm_offset)
			m->maps[kept++] = m->maps[i];
	m->nmaps = kept;
}

bool model_fault_matters(const struct fault_event *fault)
{
	return fault && !fault_is_transient(fault) && fault->call != FAULT_MUNMAP &&
	       fault->call != FAULT_CLOSE;
}

/* Take the fault if it is this call's: the front-end reached the call. */
static bool fault_hits(const struct fault_event **fault, enum fault_call call)
{
	if (!*fault || (*fault)->call != call)
		return false;
	*fault = NULL;
	return true;
}

static int find_exact(const struct shadow_model *m, uint8_t shmid, uint64_t off, uint64_t len)
{
	for (size_t i = 0; i < m->nmaps; i++)
		if (m->maps[i].shmid == shmid && m->maps[i].shm_offset == off &&
		    m->maps[i].len == len)
			return (int)i;
	return -1;
}

static bool overlaps_any(const struct shadow_model *m, uint8_t shmid, u128 start, u128 end)
{
	for (size_t i = 0; i < m->nmaps; i++) {
		const struct model_mapping *x = &m->maps[i];

		if (x->shmid == shmid && start < (u128)x->shm_offset + x->len &&
		    x->shm_offset < end)
			return true;
	}
	return false;
}

/*
 * What the front-end checks after fstat: a regular file (a memfd, a file, an
 * O_PATH fd of one) covering fd_offset + len, sealed against shrinking if
 * required. Not /dev/zero (no size to check), a pipe, eventfd, socket or
 * directory.
 */
static bool fd_passes_checks(const struct shadow_model *m, const struct fd_desc *fd, u128 fd_end)
{
	if (fd->kind != VSF_FD_MEMFD && fd->kind != VSF_FD_ROFILE && fd->kind != VSF_FD_OPATH)
		return false;
	if (m->require_shrink_seal && !(fd->seals & MODEL_SEAL_SHRINK))
		return false; /* a file the backend could shrink under the mapping */
	return fd_end <= fd->size;
}

/* What the kernel's mmap then allows: a shared mapping, rw or not. */
static bool kernel_maps(const struct shadow_model *m, const struct fd_desc *fd, bool rw)
{
	switch (fd->kind) {
	case VSF_FD_MEMFD:
		if (!rw && (fd->seals & MODEL_SEAL_WRITE) && !m->write_sealed_maps_ro)
			return false; /* Linux < 6.7: no shared mapping of a write-sealed memfd */
		return !(rw && (fd->seals & MODEL_SEALS_NO_WRITE));
	case VSF_FD_ROFILE:
		return !rw;
	default: /* O_PATH: no mapping at all */
		return false;
	}
}

/*
 * Decide a well-framed message; fills v->accepted and v->change, applies it.
 * A fault of a call the front-end makes on the way (fstat, the staged mmap,
 * the commit's mremap or mmap) is taken (*fault set to NULL) where it is made.
 */
static void decide(struct shadow_model *m, const struct model_header *h, const uint8_t *payload,
		   const struct fd_desc *fds, size_t nfds, const struct fault_event **fault,
		   struct model_verdict *v)
{
	int err = *fault ? (*fault)->err : 0;

	bool is_map = h->request == VSF_BACKEND_SHMEM_MAP;
	struct model_mmap mm;
	u128 start, end, fd_end;

#define REJECT(reason)              \
	do {                        \
		v->why = (reason);  \
		return;             \
	} while (0)
	v->accepted = false;
	if ((h->flags & 3) != 1 || (h->flags & ~0xbu) || (h->flags & 4))
		REJECT("header flags: version not 1, REPLY set, or an unknown bit");
	if (h->request != VSF_BACKEND_SHMEM_MAP && h->request != VSF_BACKEND_SHMEM_UNMAP)
		REJECT("not a request this front-end serves");
	if (!m->shmem)
		REJECT("SHMEM was not negotiated");
	if (h->size != MODEL_MMAP_BYTES)
		REJECT("payload size is not 40");
	if (nfds > VSF_MAX_FDS || nfds != (is_map ? 1u : 0u))
		REJECT(is_map ? "a map carries exactly one fd" : "an unmap carries no fd");
	model_read_mmap(payload, &mm);
	start = mm.shm_offset;
	end = start + mm.len;
	fd_end = (u128)mm.fd_offset + mm.len;
	if (mm.flags > 1)
		REJECT("unknown VhostUserMMap flags");
	if (!m->region_size[mm.shmid])
		REJECT("no region with this shmid");
	if (mm.len == 0)
		REJECT("len is 0");
	if (!is_page_multiple(m, start) || !is_page_multiple(m, mm.len))
		REJECT("shm_offset or len not page-aligned");
	if (end > m->region_size[mm.shmid])
		REJECT("the range ends outside the region");
	v->change = (struct model_mapping){ .shmid = mm.shmid, .shm_offset = mm.shm_offset,
					    .len = mm.len, .fd_offset = mm.fd_offset,
					    .rw = mm.flags & 1 };
	if (!is_map) {
		int i = find_exact(m, mm.shmid, mm.shm_offset, mm.len);

		if (i < 0)
			REJECT("no mapping at exactly this offset and length");
		v->change = m->maps[i];
		v->accepted = true;
		/* The commit puts the reservation back over the range with mmap. */
		if (fault_hits(fault, FAULT_MMAP))
			v->commit_fails = true;
		else
			m->maps[i] = m->maps[--m->nmaps];
		return;
	}
	if (!is_page_multiple(m, mm.fd_offset))
		REJECT("fd_offset not page-aligned");
	if (fd_end > (u128)INT64_MAX)
		REJECT("fd_offset + len beyond what a file offset holds");
	if (overlaps_any(m, mm.shmid, start, end))
		REJECT("the range overlaps a live mapping");
	if (m->nmaps >= m->max_mappings || m->nmaps >= MODEL_MAX_MAPPINGS)
		REJECT("the mapping limit is reached");
	if (fault_hits(fault, FAULT_FSTAT) || fault_hits(fault, FAULT_FSTATFS)) {
		v->result = -EBADF;
		REJECT("fstat or fstatfs of the fd failed (injected)");
	}
	if (!fd_passes_checks(m, &fds[0], fd_end))
		REJECT("the fd is not a regular file covering the range (or not sealed against shrinking)");
	if (fault_hits(fault, FAULT_MMAP)) {
		v->result = -err;
		REJECT("mmap of the fd failed (injected)");
	}
	if (!kernel_maps(m, &fds[0], mm.flags & 1))
		REJECT("the kernel does not map this fd so (its seals or access mode)");
#undef REJECT
	v->change.content_fd = fds[0].content_fd;
	v->accepted = true;
	/* The commit moves the staged mapping into the region with mremap. */
	if (fault_hits(fault, FAULT_MREMAP))
		v->commit_fails = true;
	else
		m->maps[m->nmaps++] = v->change;
}

void model_message(struct shadow_model *m, const uint8_t *bytes, size_t len,
		   const struct fd_desc *fds, size_t nfds, const struct fault_event *fault,
		   struct model_verdict *v)
{
	struct model_header h;

	memset(v, 0, sizeof(*v));
	if (!model_fault_matters(fault))
		fault = NULL;
	/* A failed read or wait: what was read is lost, framing with it. */
	if (fault && (fault->call == FAULT_RECVMSG || fault->call == FAULT_POLL)) {
		v->io_failed = v->channel_closes = true;
		m->channel_open = false;
		return;
	}
	/* Framing: a whole header, a size within the maximum, the whole payload.
	 * Cut short, nothing of the message is decided: no call may fail in it. */
	v->fault_unexpected = fault != NULL;
	if (len < MODEL_HEADER_BYTES) {
		m->channel_open = false;
		return;
	}
	model_read_header(bytes, &h);
	v->request = h.request;
	if (h.size > VSF_PAYLOAD_MAX || len - MODEL_HEADER_BYTES < h.size) {
		m->channel_open = false;
		return;
	}
	v->framed = true;
	v->consumed = MODEL_HEADER_BYTES + h.size;
	decide(m, &h, bytes + MODEL_HEADER_BYTES, fds, nfds, &fault, v);
	v->reply = h.flags & VSF_FLAG_NEED_REPLY;
	/* The reply cannot be delivered (EPIPE, or sendmsg failed): the front-end
	 * drops the channel. */
	if (v->reply) {
		bool send_failed = fault_hits(&fault, FAULT_SENDMSG);

		if (send_failed || m->peer_read_shut)
			v->reply_lost = v->channel_closes = true;
	}
	/* The backend believes in a change that was not made (docs/protocol.md). */
	if (v->commit_fails)
		v->channel_closes = true;
	if (v->channel_closes)
		m->channel_open = false;
	/* Any other call failing here is one the front-end should not make. */
	v->fault_unexpected = fault != NULL;
}

void model_negotiate(const struct shadow_model *m, uint64_t features, uint64_t protocol_features,
		     uint64_t device_features, uint64_t ack, bool config_header_ok, uint32_t nregions,
		     const uint64_t sizes[VSF_MAX_SHMEM_REGIONS], struct model_session *s)
{
	const uint64_t offered = (1ull << VSF_PROTOCOL_F_REPLY_ACK) |
				 (1ull << VSF_PROTOCOL_F_BACKEND_REQ) |
				 (1ull << VSF_PROTOCOL_F_BACKEND_SEND_FD) |
				 (1ull << VSF_PROTOCOL_F_SHMEM);
	struct shadow_model fresh = *m;

	memset(s, 0, sizeof(*s));
	/* A legacy device (no VERSION_1) is refused after the first GET_FEATURES. */
	if (!(features >> VSF_F_VERSION_1 & 1))
		return;
	if (features >> VSF_F_PROTOCOL_FEATURES & 1) {
		s->sends_protocol = true;
		s->negotiated = protocol_features & offered;
	}
	if (s->negotiated >> VSF_PROTOCOL_F_BACKEND_REQ & 1) {
		s->sends_backend_fd = true;
		s->expects_ack = s->negotiated >> VSF_PROTOCOL_F_REPLY_ACK & 1;
		if (s->expects_ack && ack != 0)
			return;
	}
	s->sends_owner = true; /* SET_OWNER, then GET_FEATURES again */
	if (s->negotiated >> VSF_PROTOCOL_F_SHMEM & 1) {
		s->sends_config = true;
		model_attach(&fresh, s->negotiated, false);
		if (!config_header_ok || !model_config_valid(&fresh, nregions, sizes))
			return;
	}
	s->sends_set_features = true;
	s->acked = features & ((1ull << VSF_F_VERSION_1) | (1ull << VSF_F_PROTOCOL_FEATURES) |
			       device_features);
	s->ok = true;
}
