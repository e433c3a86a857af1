/* SPDX-License-Identifier: MIT */
/*
 * vhost-user wire layouts used by the VIRTIO Shared Memory messages.
 *
 * Every layout the peer relies on is asserted at compile time. All integers
 * are little-endian on the wire; the decode/encode helpers convert, so the
 * rest of the code only sees host-order values.
 */
#ifndef VSF_WIRE_H
#define VSF_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* Header flag bits. */
#define VSF_FLAG_VERSION_MASK 0x3u
#define VSF_FLAG_VERSION      0x1u
#define VSF_FLAG_REPLY        0x4u
#define VSF_FLAG_NEED_REPLY   0x8u
#define VSF_FLAG_KNOWN        (VSF_FLAG_VERSION_MASK | VSF_FLAG_REPLY | VSF_FLAG_NEED_REPLY)
/* A reply carries exactly version 1 + REPLY. */
#define VSF_REPLY_FLAGS       (VSF_FLAG_VERSION | VSF_FLAG_REPLY)

/* Front-end requests (front-end channel). */
enum vsf_frontend_request {
	VSF_REQ_GET_FEATURES          = 1,
	VSF_REQ_SET_FEATURES          = 2,
	VSF_REQ_SET_OWNER             = 3,
	VSF_REQ_GET_PROTOCOL_FEATURES = 15,
	VSF_REQ_SET_PROTOCOL_FEATURES = 16,
	VSF_REQ_SET_BACKEND_REQ_FD    = 21,
	VSF_REQ_GET_SHMEM_CONFIG      = 44,
};

/* Backend requests (backend channel). Ids 1..8 exist but are not ours. */
enum vsf_backend_request {
	VSF_BACKEND_IOTLB_MSG                = 1,
	VSF_BACKEND_CONFIG_CHANGE_MSG        = 2,
	VSF_BACKEND_VRING_HOST_NOTIFIER_MSG  = 3,
	VSF_BACKEND_VRING_CALL               = 4,
	VSF_BACKEND_VRING_ERR                = 5,
	VSF_BACKEND_SHARED_OBJECT_ADD        = 6,
	VSF_BACKEND_SHARED_OBJECT_REMOVE     = 7,
	VSF_BACKEND_SHARED_OBJECT_LOOKUP     = 8,
	VSF_BACKEND_SHMEM_MAP                = 9,
	VSF_BACKEND_SHMEM_UNMAP              = 10,
};

/* Virtio feature bits the front-end itself acknowledges. PROTOCOL_FEATURES
 * enables the protocol-feature handshake; VERSION_1 is a modern (non-legacy)
 * device, which every libvhost-user backend requires. */
#define VSF_F_PROTOCOL_FEATURES 30
#define VSF_F_VERSION_1         32

/* Protocol feature bits. */
#define VSF_PROTOCOL_F_REPLY_ACK       3
#define VSF_PROTOCOL_F_BACKEND_REQ     5
#define VSF_PROTOCOL_F_BACKEND_SEND_FD 10
#define VSF_PROTOCOL_F_SHMEM           20

/*
 * The protocol features this front-end offers. BACKEND_SEND_FD because the
 * spec lets a backend send fds on the backend channel (SHMEM_MAP's) only
 * once it is negotiated.
 */
#define VSF_PROTOCOL_FEATURES_OFFERED                                          \
	((1ull << VSF_PROTOCOL_F_REPLY_ACK) | (1ull << VSF_PROTOCOL_F_BACKEND_REQ) | \
	 (1ull << VSF_PROTOCOL_F_BACKEND_SEND_FD) | (1ull << VSF_PROTOCOL_F_SHMEM))

/* VhostUserMMap.flags: bit 0 requests a read-write mapping. */
#define VSF_MMAP_F_RW    0x1ull
#define VSF_MMAP_F_KNOWN VSF_MMAP_F_RW

/* The config reply has one size slot per possible shmid (a u8). */
#define VSF_MAX_SHMEM_REGIONS 256

/* fds the channel accepts on one message (the vhost-user limit). */
#define VSF_MAX_FDS 8

/*
 * Largest payload the channel will read. It is above every payload this
 * front-end understands (2056 bytes) so that a well-framed but unknown
 * message can be skipped; a larger size means framing cannot be trusted.
 */
#define VSF_PAYLOAD_MAX 4096

struct vsf_wire_header {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
} __attribute__((packed));

#define VSF_HEADER_SIZE (offsetof(struct vsf_wire_header, size) + sizeof(uint32_t))

struct vsf_wire_mmap {
	uint8_t shmid;
	uint8_t padding[7];
	uint64_t fd_offset;
	uint64_t shm_offset;
	uint64_t len;
	uint64_t flags;
};

struct vsf_wire_shmem_config {
	uint32_t nregions;
	uint32_t padding;
	uint64_t memory_sizes[VSF_MAX_SHMEM_REGIONS];
};

_Static_assert(VSF_HEADER_SIZE == 12, "vhost-user header is 12 bytes");
_Static_assert(sizeof(struct vsf_wire_header) == 12, "packed header");
_Static_assert(offsetof(struct vsf_wire_header, flags) == 4, "flags at 4");
_Static_assert(offsetof(struct vsf_wire_mmap, shmid) == 0, "shmid at 0");
_Static_assert(offsetof(struct vsf_wire_mmap, fd_offset) == 8, "fd_offset at 8");
_Static_assert(offsetof(struct vsf_wire_mmap, shm_offset) == 16, "shm_offset at 16");
_Static_assert(offsetof(struct vsf_wire_mmap, len) == 24, "len at 24");
_Static_assert(offsetof(struct vsf_wire_mmap, flags) == 32, "flags at 32");
_Static_assert(sizeof(struct vsf_wire_mmap) == 40, "VhostUserMMap is 40 bytes");
_Static_assert(offsetof(struct vsf_wire_shmem_config, memory_sizes) == 8, "sizes at 8");
_Static_assert(sizeof(struct vsf_wire_shmem_config) == 2056, "VhostUserShMemConfig is 2056 bytes");
_Static_assert(sizeof(struct vsf_wire_shmem_config) <= VSF_PAYLOAD_MAX, "config fits");

#define VSF_MMAP_PAYLOAD_SIZE   ((uint32_t)sizeof(struct vsf_wire_mmap))
#define VSF_CONFIG_PAYLOAD_SIZE ((uint32_t)sizeof(struct vsf_wire_shmem_config))
#define VSF_U64_PAYLOAD_SIZE    ((uint32_t)sizeof(uint64_t))

/* A decoded message: host-order header and the raw payload bytes. */
struct vsf_msg {
	struct vsf_wire_header hdr;
	uint8_t payload[VSF_PAYLOAD_MAX];
};

/* Decoders read exactly the layout size from buf; callers check the length. */
void vsf_decode_header(const uint8_t buf[12], struct vsf_wire_header *out);
void vsf_encode_header(const struct vsf_wire_header *in, uint8_t buf[12]);
void vsf_decode_mmap(const uint8_t buf[40], struct vsf_wire_mmap *out);
void vsf_encode_mmap(const struct vsf_wire_mmap *in, uint8_t buf[40]);
void vsf_decode_shmem_config(const uint8_t buf[2056], struct vsf_wire_shmem_config *out);
void vsf_encode_shmem_config(const struct vsf_wire_shmem_config *in, uint8_t buf[2056]);
uint64_t vsf_load_le64(const uint8_t *p);
void vsf_store_le64(uint8_t *p, uint64_t v);
uint32_t vsf_load_le32(const uint8_t *p);
void vsf_store_le32(uint8_t *p, uint32_t v);

/* Name of a request id for logs, or NULL when the id is unknown. */
const char *vsf_backend_request_name(uint32_t request);
const char *vsf_frontend_request_name(uint32_t request);

#endif
