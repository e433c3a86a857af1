/* SPDX-License-Identifier: MIT */
/*
 * The front-end device: session state on the front-end channel (feature
 * negotiation, backend channel set-up, shared memory config) and the loop
 * step that serves one backend request. Public API in vhost_shmem.h.
 */
#define _GNU_SOURCE
#include "vhost_shmem.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "asan.h"
#include "backend_dispatch.h"
#include "syscalls.h"
#include "channel.h"
#include "error.h"
#include "frontend_internal.h"
#include "regions.h"
#include "wire.h"

/* Defaults: generous for real devices, small enough that a hostile backend cannot
 * exhaust the address space or the kernel's map count. */
#define VSF_DEFAULT_MAX_MAPPINGS     1024
#define VSF_DEFAULT_MAX_RESERVED     (64ull << 30)
#define VSF_DEFAULT_IO_TIMEOUT_MS    5000

struct vsf_frontend {
	struct vsf_options opts;
	vsf_log_fn log_fn;
	void *log_opaque;
	vsf_rx_hook_fn rx_hook;
	void *rx_hook_opaque;
	vsf_commit_hook_fn commit_hook;
	void *commit_hook_opaque;
	struct vsf_regions regions;
	struct vsf_rx *rx; /* the message being handled (large: not on the stack) */
	int backend_fd;
	struct vsf_negotiated neg; /* protocol_features also set by attach */
	struct vsf_error last;
};

void vsf_options_default(struct vsf_options *opts)
{
	opts->max_mappings = VSF_DEFAULT_MAX_MAPPINGS;
	opts->max_reserved_bytes = VSF_DEFAULT_MAX_RESERVED;
	opts->io_timeout_ms = VSF_DEFAULT_IO_TIMEOUT_MS;
	opts->device_features = 0;
	opts->require_shrink_seal = false;
}

__attribute__((format(printf, 3, 4)))
static void log_msg(struct vsf_frontend *fe, enum vsf_log_level level, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (!fe->log_fn)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fe->log_fn(fe->log_opaque, level, buf);
}

/* Keep err as the front-end's last error, log it, and return its code. */
static int note_error(struct vsf_frontend *fe, enum vsf_log_level level,
		      const struct vsf_error *err)
{
	fe->last = *err;
	log_msg(fe, level, "%s", err->reason);
	return err->code;
}

static int fail(struct vsf_frontend *fe, const struct vsf_error *err)
{
	return note_error(fe, VSF_LOG_ERROR, err);
}

/* "0,5,200": the shmids of the regions, for the log; a list that does not
 * fit in len bytes ends in "...". */
static void region_list(const struct vsf_regions *r, char *buf, size_t len)
{
	char *p = buf, *end = buf + len;

	*p = '\0';
	for (int id = 0; id < VSF_MAX_SHMEM_REGIONS; id++) {
		bool full;
		int n;

		if (!r->region_by_id[id])
			continue;
		n = snprintf(p, (size_t)(end - p), "%s%d", p == buf ? "" : ",", id);
		full = n >= end - p;
		if (full) {
			memcpy(end - 4, "...", 4);
			return;
		}
		p += n;
	}
}

static void log_regions(struct vsf_frontend *fe)
{
	char list[64];

	if (!fe->log_fn)
		return;
	region_list(&fe->regions, list, sizeof(list));
	log_msg(fe, VSF_LOG_INFO, "config: %zu shared memory regions (shmids %s)",
		fe->regions.nregions, list);
}

int vsf_frontend_new(const struct vsf_options *opts, struct vsf_frontend **out)
{
	struct vsf_frontend *fe = calloc(1, sizeof(*fe));

	if (!fe)
		return -ENOMEM;
	fe->rx = malloc(sizeof(*fe->rx));
	if (!fe->rx) {
		free(fe);
		return -ENOMEM;
	}
	if (opts)
		fe->opts = *opts;
	else
		vsf_options_default(&fe->opts);
	vsf_regions_init(&fe->regions, &fe->opts);
	fe->backend_fd = -1;
	*out = fe;
	return 0;
}

void vsf_frontend_free(struct vsf_frontend *fe)
{
	if (!fe)
		return;
	vsf_frontend_disconnect(fe);
	vsf_asan_unpoison(fe->rx, sizeof(*fe->rx));
	free(fe->rx);
	free(fe);
}

void vsf_frontend_set_log(struct vsf_frontend *fe, vsf_log_fn fn, void *opaque)
{
	fe->log_fn = fn;
	fe->log_opaque = opaque;
}

void vsf_frontend_set_rx_hook(struct vsf_frontend *fe, vsf_rx_hook_fn fn, void *opaque)
{
	fe->rx_hook = fn;
	fe->rx_hook_opaque = opaque;
}

void vsf_frontend_set_commit_hook(struct vsf_frontend *fe, vsf_commit_hook_fn fn, void *opaque)
{
	fe->commit_hook = fn;
	fe->commit_hook_opaque = opaque;
}

/* Hand the message as wire bytes to the capture hook. */
static void call_rx_hook(struct vsf_frontend *fe, const struct vsf_rx *rx)
{
	uint8_t wire[VSF_HEADER_SIZE + VSF_PAYLOAD_MAX];

	vsf_encode_header(&rx->msg.hdr, wire);
	memcpy(wire + VSF_HEADER_SIZE, rx->msg.payload, rx->msg.hdr.size);
	fe->rx_hook(fe->rx_hook_opaque, wire, VSF_HEADER_SIZE + rx->msg.hdr.size, rx->fds, rx->nfds);
}

const char *vsf_frontend_last_error(const struct vsf_frontend *fe)
{
	return fe->last.reason;
}

int vsf_frontend_backend_fd(const struct vsf_frontend *fe)
{
	return fe->backend_fd;
}

uint64_t vsf_frontend_protocol_features(const struct vsf_frontend *fe)
{
	return fe->neg.protocol_features;
}

void vsf_frontend_negotiated(const struct vsf_frontend *fe, struct vsf_negotiated *out)
{
	*out = fe->neg;
}

bool vsf_frontend_shmem_negotiated(const struct vsf_frontend *fe)
{
	return fe->neg.protocol_features & (1ull << VSF_PROTOCOL_F_SHMEM);
}

/* Forget the session's negotiated state (not the regions). */
static void forget_session(struct vsf_frontend *fe)
{
	if (fe->backend_fd >= 0)
		VSF_SYS(close)(fe->backend_fd);
	fe->backend_fd = -1;
	fe->neg = (struct vsf_negotiated){ 0 };
}

void vsf_frontend_disconnect(struct vsf_frontend *fe)
{
	forget_session(fe);
	vsf_regions_destroy(&fe->regions);
	vsf_regions_init(&fe->regions, &fe->opts);
}

void vsf_frontend_reset(struct vsf_frontend *fe)
{
	size_t stuck;

	log_msg(fe, VSF_LOG_INFO, "device reset: removing %zu mappings", fe->regions.nmaps);
	stuck = vsf_regions_reset(&fe->regions);
	if (stuck)
		log_msg(fe, VSF_LOG_ERROR, "device reset: %zu mappings could not be removed", stuck);
}

size_t vsf_frontend_recycle(struct vsf_frontend *fe)
{
	size_t stuck = vsf_regions_recycle(&fe->regions);

	if (!stuck)
		fe->last = (struct vsf_error){ 0 };
	return stuck;
}

int vsf_frontend_attach(struct vsf_frontend *fe, int backend_fd, uint64_t protocol_features)
{
	if (fe->backend_fd >= 0) {
		VSF_SYS(close)(backend_fd);
		return fail(fe, &(struct vsf_error){ -EISCONN, "already attached" });
	}
	if (backend_fd < 0)
		return fail(fe, &(struct vsf_error){ -EBADF, "attach: no backend fd" });
	fe->backend_fd = backend_fd;
	fe->neg.protocol_features = protocol_features;
	return 0;
}

int vsf_frontend_configure(struct vsf_frontend *fe, uint32_t nregions, const uint64_t sizes[256])
{
	struct vsf_error err = { 0 };

	if (!vsf_frontend_shmem_negotiated(fe)) {
		vsf_error_set(&err, -ENOTSUP, "config: SHMEM was not negotiated");
		return fail(fe, &err);
	}
	if (vsf_regions_configure(&fe->regions, nregions, sizes, &err) < 0)
		return fail(fe, &err);
	log_regions(fe);
	return 0;
}

int vsf_frontend_add_region(struct vsf_frontend *fe, uint8_t shmid, uint64_t size)
{
	struct vsf_error err = { 0 };

	if (vsf_regions_add(&fe->regions, shmid, size, &err) < 0)
		return fail(fe, &err);
	return 0;
}

/* ---- front-end channel: requests we send and the replies we expect ---- */

static int send_request(struct vsf_frontend *fe, int fd, uint32_t request, uint32_t flags,
			const void *payload, uint32_t size, const int *fds, size_t nfds,
			struct vsf_error *err)
{
	struct vsf_wire_header h = { .request = request, .flags = VSF_FLAG_VERSION | flags,
				     .size = size };

	log_msg(fe, VSF_LOG_DEBUG, "-> %s", vsf_frontend_request_name(request));
	return vsf_channel_send(fd, fe->opts.io_timeout_ms, &h, payload, fds, nfds, err);
}

/*
 * Receive one message into fe->rx. Under ASan the payload bytes past the
 * message's size are poisoned, so code that reads more than arrived (a short
 * payload taken for a whole one) is caught, not fed stale bytes.
 */
static int receive(struct vsf_frontend *fe, int fd, struct vsf_error *err)
{
	struct vsf_rx *rx = fe->rx;
	int ret;

	vsf_asan_unpoison(rx->msg.payload, sizeof(rx->msg.payload));
	ret = vsf_channel_recv(fd, fe->opts.io_timeout_ms, rx, err);
	if (ret == 0)
		vsf_asan_poison(rx->msg.payload + rx->msg.hdr.size,
				sizeof(rx->msg.payload) - rx->msg.hdr.size);
	return ret;
}

/* Receive the reply to request into fe->rx: flags exactly 0x5, the id echoed, size, no fds. */
static int recv_reply(struct vsf_frontend *fe, int fd, uint32_t request, uint32_t size,
		      struct vsf_error *err)
{
	const char *name = vsf_frontend_request_name(request);
	struct vsf_rx *rx = fe->rx;
	int ret;

	ret = receive(fe, fd, err);
	if (ret == -EAGAIN) {
		vsf_error_clear(err);
		return vsf_error_set(err, -ETIMEDOUT, "%s: no reply in %d ms", name,
				     fe->opts.io_timeout_ms);
	}
	if (ret < 0)
		return ret;
	ret = rx->nfds || rx->fds_overflow;
	vsf_rx_close_fds(rx);
	if (ret)
		return vsf_error_set(err, -EPROTO, "%s: reply carries fds", name);
	if (rx->msg.hdr.request != request)
		return vsf_error_set(err, -EPROTO, "%s: reply has request %u", name,
				     rx->msg.hdr.request);
	if (rx->msg.hdr.flags != VSF_REPLY_FLAGS)
		return vsf_error_set(err, -EPROTO, "%s: reply flags 0x%x, expected 0x%x", name,
				     rx->msg.hdr.flags, VSF_REPLY_FLAGS);
	if (rx->msg.hdr.size != size)
		return vsf_error_set(err, -EPROTO, "%s: reply size %u, expected %u", name,
				     rx->msg.hdr.size, size);
	return 0;
}

static int get_u64(struct vsf_frontend *fe, int fd, uint32_t request, uint64_t *value,
		   struct vsf_error *err)
{
	int ret = send_request(fe, fd, request, 0, NULL, 0, NULL, 0, err);

	if (ret == 0)
		ret = recv_reply(fe, fd, request, VSF_U64_PAYLOAD_SIZE, err);
	if (ret == 0)
		*value = vsf_load_le64(fe->rx->msg.payload);
	return ret;
}

static int set_u64(struct vsf_frontend *fe, int fd, uint32_t request, uint64_t value,
		   struct vsf_error *err)
{
	uint8_t payload[8];

	vsf_store_le64(payload, value);
	return send_request(fe, fd, request, 0, payload, sizeof(payload), NULL, 0, err);
}

/* Create the backend channel and hand one end to the backend. */
static int set_backend_req_fd(struct vsf_frontend *fe, int fd, struct vsf_error *err)
{
	bool ack = fe->neg.protocol_features & (1ull << VSF_PROTOCOL_F_REPLY_ACK);
	int sv[2];
	int ret;

	if (VSF_SYS(socketpair)(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return vsf_error_set(err, -errno, "socketpair: %s", strerror(errno));
	ret = send_request(fe, fd, VSF_REQ_SET_BACKEND_REQ_FD, ack ? VSF_FLAG_NEED_REPLY : 0,
			   NULL, 0, &sv[1], 1, err);
	VSF_SYS(close)(sv[1]);
	if (ret == 0 && ack) {
		ret = recv_reply(fe, fd, VSF_REQ_SET_BACKEND_REQ_FD, VSF_U64_PAYLOAD_SIZE, err);
		if (ret == 0 && vsf_load_le64(fe->rx->msg.payload) != 0)
			ret = vsf_error_set(err, -EPROTO, "SET_BACKEND_REQ_FD: backend replied 0x%llx",
					    (unsigned long long)vsf_load_le64(fe->rx->msg.payload));
	}
	if (ret < 0) {
		VSF_SYS(close)(sv[0]);
		return ret;
	}
	fe->backend_fd = sv[0];
	return 0;
}

/* Ask for the config and validate it whole; nothing is reserved yet. */
static int get_shmem_config(struct vsf_frontend *fe, int fd, struct vsf_wire_shmem_config *cfg,
			    struct vsf_error *err)
{
	int ret;

	ret = send_request(fe, fd, VSF_REQ_GET_SHMEM_CONFIG, 0, NULL, 0, NULL, 0, err);
	if (ret == 0)
		ret = recv_reply(fe, fd, VSF_REQ_GET_SHMEM_CONFIG, VSF_CONFIG_PAYLOAD_SIZE, err);
	if (ret < 0)
		return ret;
	vsf_decode_shmem_config(fe->rx->msg.payload, cfg);
	return vsf_regions_check_config(&fe->regions, cfg->nregions, cfg->memory_sizes, err);
}

/* GET_PROTOCOL_FEATURES, then SET_PROTOCOL_FEATURES with the bits we share. */
static int negotiate_protocol_features(struct vsf_frontend *fe, int fd, struct vsf_error *err)
{
	struct vsf_negotiated *neg = &fe->neg;
	int ret;

	ret = get_u64(fe, fd, VSF_REQ_GET_PROTOCOL_FEATURES, &neg->protocol_features_offered, err);
	if (ret < 0)
		return ret;
	neg->protocol_features = neg->protocol_features_offered & VSF_PROTOCOL_FEATURES_OFFERED;
	return set_u64(fe, fd, VSF_REQ_SET_PROTOCOL_FEATURES, neg->protocol_features, err);
}

/*
 * The order is QEMU's (docs/protocol.md, "Negotiation sequence"): its
 * vhost-user back-end init (features, protocol features, backend channel),
 * then SET_OWNER and GET_FEATURES from vhost_dev_init, GET_SHMEM_CONFIG at
 * device realize, and SET_FEATURES, which QEMU sends at device start.
 */
int vsf_frontend_connect(struct vsf_frontend *fe, int fd)
{
	const uint64_t version_1 = 1ull << VSF_F_VERSION_1;
	const uint64_t protocol = 1ull << VSF_F_PROTOCOL_FEATURES;
	struct vsf_negotiated *neg = &fe->neg;
	struct vsf_wire_shmem_config cfg;
	struct vsf_error err = { 0 };
	uint64_t ours, again;
	bool shmem;
	int ret;

	/* Regions the device model added beforehand may stay; a session may not. */
	if (fe->backend_fd >= 0 || neg->protocol_features || neg->features)
		return fail(fe, &(struct vsf_error){ -EISCONN, "connect: already connected" });

	ret = get_u64(fe, fd, VSF_REQ_GET_FEATURES, &neg->features_offered, &err);
	if (ret < 0)
		goto err_drop_session;
	if (!(neg->features_offered & version_1)) {
		ret = vsf_error_set(&err, -ENOTSUP,
				    "backend does not offer VIRTIO_F_VERSION_1 (features 0x%llx): "
				    "legacy devices are not supported",
				    (unsigned long long)neg->features_offered);
		goto err_drop_session;
	}
	if (neg->features_offered & protocol) {
		ret = negotiate_protocol_features(fe, fd, &err);
		if (ret < 0)
			goto err_drop_session;
		log_msg(fe, VSF_LOG_INFO, "protocol features 0x%llx negotiated",
			(unsigned long long)neg->protocol_features);
	}
	if (neg->protocol_features & (1ull << VSF_PROTOCOL_F_BACKEND_REQ)) {
		ret = set_backend_req_fd(fe, fd, &err);
		if (ret < 0)
			goto err_drop_session;
	}

	ret = send_request(fe, fd, VSF_REQ_SET_OWNER, 0, NULL, 0, NULL, 0, &err);
	if (ret == 0)
		ret = get_u64(fe, fd, VSF_REQ_GET_FEATURES, &again, &err);
	if (ret < 0)
		goto err_drop_session;
	if (again != neg->features_offered) {
		ret = vsf_error_set(&err, -EPROTO,
				    "GET_FEATURES: the backend offered 0x%llx, then 0x%llx after SET_OWNER",
				    (unsigned long long)neg->features_offered,
				    (unsigned long long)again);
		goto err_drop_session;
	}

	/* Without SHMEM there is no config request and no region. */
	shmem = vsf_frontend_shmem_negotiated(fe);
	if (shmem) {
		ret = get_shmem_config(fe, fd, &cfg, &err);
		if (ret < 0)
			goto err_drop_session;
	}

	/* PROTOCOL_FEATURES when offered, as QEMU does: the handshake took place. */
	ours = version_1 | protocol | fe->opts.device_features;
	neg->features = neg->features_offered & ours;
	ret = set_u64(fe, fd, VSF_REQ_SET_FEATURES, neg->features, &err);
	if (ret < 0)
		goto err_drop_session;
	log_msg(fe, VSF_LOG_INFO, "features 0x%llx acknowledged", (unsigned long long)neg->features);

	if (shmem) {
		ret = vsf_regions_configure(&fe->regions, cfg.nregions, cfg.memory_sizes, &err);
		if (ret < 0)
			goto err_drop_session;
		log_regions(fe);
	}
	return 0;

err_drop_session:
	/* The regions are reserved last and all or nothing: none came from the
	 * config, and the device model's regions stay. */
	forget_session(fe);
	return fail(fe, &err);
}

/* ---- backend channel ---- */

static void close_backend_channel(struct vsf_frontend *fe)
{
	VSF_SYS(close)(fe->backend_fd);
	fe->backend_fd = -1;
}

int vsf_frontend_handle_backend(struct vsf_frontend *fe, struct vsf_verdict *verdict)
{
	struct vsf_backend_outcome out;
	struct vsf_error err = { 0 };
	struct vsf_rx *rx = fe->rx;
	uint8_t value[8];
	bool committed, replied;
	int ret;

	if (verdict)
		*verdict = (struct vsf_verdict){ .received = false };
	if (fe->backend_fd < 0)
		return fail(fe, &(struct vsf_error){ -ENOTCONN, "no backend channel" });
	ret = receive(fe, fe->backend_fd, &err);
	if (ret == -EAGAIN)
		return ret;
	if (ret < 0) {
		/* Framing is lost or the peer is gone: nothing more can be read. */
		close_backend_channel(fe);
		return fail(fe, &err);
	}

	if (fe->rx_hook)
		call_rx_hook(fe, rx);
	if (verdict)
		*verdict = (struct vsf_verdict){
			.received = true,
			.request = rx->msg.hdr.request,
			.flags = rx->msg.hdr.flags,
			.size = rx->msg.hdr.size,
			.nfds = (unsigned)rx->nfds,
			.too_many_fds = rx->fds_overflow,
		};
	vsf_backend_dispatch(&fe->regions, vsf_frontend_shmem_negotiated(fe), rx, &out);
	if (out.result < 0)
		note_error(fe, VSF_LOG_WARN, &out.err);
	else
		log_msg(fe, VSF_LOG_INFO, "%s accepted", vsf_backend_request_name(rx->msg.hdr.request));

	/*
	 * Reply first, then commit the change to the memory map. A front-end
	 * that changes its memory map may need to talk to the backend itself
	 * (QEMU sends SET_MEM_TABLE and waits); committing before the reply
	 * could deadlock with a backend that blocks on our reply.
	 */
	vsf_store_le64(value, out.reply_value);
	if (out.reply)
		ret = vsf_channel_send(fe->backend_fd, fe->opts.io_timeout_ms, &out.reply_hdr, value,
				       NULL, 0, &err);
	replied = out.reply && ret == 0;
	committed = false;
	if (out.change.kind != VSF_CHANGE_NONE) {
		struct vsf_error commit_err = { 0 };

		if (fe->commit_hook && out.change.kind != VSF_CHANGE_NONE)
			fe->commit_hook(fe->commit_hook_opaque, replied,
					out.change.kind == VSF_CHANGE_MAP, out.change.mapping.shmid,
					out.change.mapping.shm_offset, out.change.mapping.len);
		/* Committed even when the reply failed: the request was accepted. */
		committed = vsf_regions_commit(&fe->regions, &out.change, &commit_err) == 0;
		if (!committed && ret == 0) {
			/* The backend was told (or, without NEED_REPLY, takes it) that the
			 * change was made: its memory map and ours now differ, and
			 * nothing on the wire can tell it so (docs/protocol.md). Not
			 * the commit's errno: that may be EAGAIN, which the API keeps
			 * for "no message pending". */
			err = commit_err;
			ret = err.code = -ENOTRECOVERABLE;
		} else if (!committed) {
			fail(fe, &commit_err);
		}
	}

	if (verdict) {
		verdict->result = out.result;
		verdict->replied = replied;
		verdict->reply_value = out.reply_value;
		verdict->committed = committed;
		verdict->has_mapping = out.has_mm;
		verdict->mapping.shmid = out.mm.shmid;
		verdict->mapping.fd_offset = out.mm.fd_offset;
		verdict->mapping.shm_offset = out.mm.shm_offset;
		verdict->mapping.len = out.mm.len;
		verdict->mapping.flags = out.mm.flags;
	}
	if (ret < 0) {
		close_backend_channel(fe);
		return fail(fe, &err);
	}
	return 0;
}

/* ---- introspection ---- */

bool vsf_frontend_region(const struct vsf_frontend *fe, uint8_t shmid,
			 struct vsf_region_info *info)
{
	const struct vsf_region *reg = vsf_regions_find(&fe->regions, shmid);

	if (!reg)
		return false;
	*info = (struct vsf_region_info){ .shmid = shmid, .size = reg->size, .base = reg->base };
	return true;
}

size_t vsf_frontend_region_count(const struct vsf_frontend *fe)
{
	return fe->regions.nregions;
}

size_t vsf_frontend_mapping_count(const struct vsf_frontend *fe)
{
	return fe->regions.nmaps;
}

bool vsf_frontend_mapping(const struct vsf_frontend *fe, size_t index,
			  struct vsf_mapping_info *info)
{
	const struct vsf_mapping *m;

	if (index >= fe->regions.nmaps)
		return false;
	m = &fe->regions.maps[index];
	*info = (struct vsf_mapping_info){ .shmid = m->shmid, .shm_offset = m->shm_offset,
					   .len = m->len, .fd_offset = m->fd_offset, .rw = m->rw };
	return true;
}
