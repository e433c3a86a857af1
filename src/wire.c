/* SPDX-License-Identifier: MIT */
/* Little-endian encode/decode of the wire layouts in wire.h. */
#include "wire.h"


uint32_t vsf_load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

uint64_t vsf_load_le64(const uint8_t *p)
{
	return (uint64_t)vsf_load_le32(p) | (uint64_t)vsf_load_le32(p + 4) << 32;
}

void vsf_store_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

void vsf_store_le64(uint8_t *p, uint64_t v)
{
	vsf_store_le32(p, (uint32_t)v);
	vsf_store_le32(p + 4, (uint32_t)(v >> 32));
}

void vsf_decode_header(const uint8_t buf[12], struct vsf_wire_header *out)
{
	out->request = vsf_load_le32(buf);
	out->flags = vsf_load_le32(buf + 4);
	out->size = vsf_load_le32(buf + 8);
}

void vsf_encode_header(const struct vsf_wire_header *in, uint8_t buf[12])
{
	vsf_store_le32(buf, in->request);
	vsf_store_le32(buf + 4, in->flags);
	vsf_store_le32(buf + 8, in->size);
}

void vsf_decode_mmap(const uint8_t buf[40], struct vsf_wire_mmap *out)
{
	out->shmid = buf[0];
	for (int i = 0; i < 7; i++)
		out->padding[i] = buf[1 + i];
	out->fd_offset = vsf_load_le64(buf + 8);
	out->shm_offset = vsf_load_le64(buf + 16);
	out->len = vsf_load_le64(buf + 24);
	out->flags = vsf_load_le64(buf + 32);
}

void vsf_encode_mmap(const struct vsf_wire_mmap *in, uint8_t buf[40])
{
	buf[0] = in->shmid;
	for (int i = 0; i < 7; i++)
		buf[1 + i] = in->padding[i];
	vsf_store_le64(buf + 8, in->fd_offset);
	vsf_store_le64(buf + 16, in->shm_offset);
	vsf_store_le64(buf + 24, in->len);
	vsf_store_le64(buf + 32, in->flags);
}

void vsf_decode_shmem_config(const uint8_t buf[2056], struct vsf_wire_shmem_config *out)
{
	uint32_t n = VSF_MAX_SHMEM_REGIONS;

	out->nregions = vsf_load_le32(buf);
	out->padding = vsf_load_le32(buf + 4);
	for (uint32_t i = 0; i < n; i++)
		out->memory_sizes[i] = vsf_load_le64(buf + 8 + 8 * i);
}

void vsf_encode_shmem_config(const struct vsf_wire_shmem_config *in, uint8_t buf[2056])
{
	vsf_store_le32(buf, in->nregions);
	vsf_store_le32(buf + 4, in->padding);
	for (int i = 0; i < VSF_MAX_SHMEM_REGIONS; i++)
		vsf_store_le64(buf + 8 + 8 * i, in->memory_sizes[i]);
}

const char *vsf_backend_request_name(uint32_t request)
{
	switch (request) {
	case VSF_BACKEND_IOTLB_MSG: return "IOTLB_MSG";
	case VSF_BACKEND_CONFIG_CHANGE_MSG: return "CONFIG_CHANGE_MSG";
	case VSF_BACKEND_VRING_HOST_NOTIFIER_MSG: return "VRING_HOST_NOTIFIER_MSG";
	case VSF_BACKEND_VRING_CALL: return "VRING_CALL";
	case VSF_BACKEND_VRING_ERR: return "VRING_ERR";
	case VSF_BACKEND_SHARED_OBJECT_ADD: return "SHARED_OBJECT_ADD";
	case VSF_BACKEND_SHARED_OBJECT_REMOVE: return "SHARED_OBJECT_REMOVE";
	case VSF_BACKEND_SHARED_OBJECT_LOOKUP: return "SHARED_OBJECT_LOOKUP";
	case VSF_BACKEND_SHMEM_MAP: return "SHMEM_MAP";
	case VSF_BACKEND_SHMEM_UNMAP: return "SHMEM_UNMAP";
	}
	return NULL;
}

const char *vsf_frontend_request_name(uint32_t request)
{
	switch (request) {
	case VSF_REQ_GET_FEATURES: return "GET_FEATURES";
	case VSF_REQ_SET_FEATURES: return "SET_FEATURES";
	case VSF_REQ_SET_OWNER: return "SET_OWNER";
	case VSF_REQ_GET_PROTOCOL_FEATURES: return "GET_PROTOCOL_FEATURES";
	case VSF_REQ_SET_PROTOCOL_FEATURES: return "SET_PROTOCOL_FEATURES";
	case VSF_REQ_SET_BACKEND_REQ_FD: return "SET_BACKEND_REQ_FD";
	case VSF_REQ_GET_SHMEM_CONFIG: return "GET_SHMEM_CONFIG";
	}
	return NULL;
}
