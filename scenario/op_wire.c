/* SPDX-License-Identifier: MIT */
#include "op_wire.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

/*
 * The bytes are written here at the offsets wire.h asserts at compile time,
 * not with src/wire.c's encoders: the backend's side is an independent
 * party, so that an encoder bug in src/ is not shared by both ends.
 */
static void store_le(uint8_t *p, uint64_t v, size_t nbytes)
{
	for (size_t i = 0; i < nbytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_header(uint8_t *buf, uint32_t request, uint32_t flags, uint32_t size)
{
	store_le(buf + offsetof(struct vsf_wire_header, request), request, 4);
	store_le(buf + offsetof(struct vsf_wire_header, flags), flags, 4);
	store_le(buf + offsetof(struct vsf_wire_header, size), size, 4);
}

size_t op_wire_mmap(const struct vsf_op *op, uint8_t buf[OP_WIRE_MMAP_LEN])
{
	uint8_t *m = buf + VSF_HEADER_SIZE;

	memset(buf, 0, OP_WIRE_MMAP_LEN);
	put_header(buf, op->code == VSF_OP_MAP ? VSF_BACKEND_SHMEM_MAP : VSF_BACKEND_SHMEM_UNMAP,
		   op->mmap.hflags, VSF_MMAP_PAYLOAD_SIZE);
	m[offsetof(struct vsf_wire_mmap, shmid)] = op->mmap.shmid;
	store_le(m + offsetof(struct vsf_wire_mmap, fd_offset), op->mmap.fd_offset, 8);
	store_le(m + offsetof(struct vsf_wire_mmap, shm_offset), op->mmap.shm_offset, 8);
	store_le(m + offsetof(struct vsf_wire_mmap, len), op->mmap.len, 8);
	store_le(m + offsetof(struct vsf_wire_mmap, flags), op->mmap.mflags, 8);
	return OP_WIRE_MMAP_LEN;
}

void op_wire_config_sizes(const struct vsf_op *op, uint64_t sizes[VSF_MAX_SHMEM_REGIONS])
{
	memset(sizes, 0, VSF_MAX_SHMEM_REGIONS * sizeof(sizes[0]));
	for (size_t i = 0; i < op->config.npairs; i++) {
		struct vsf_size_pair sp = vsf_op_config_pair(op, i);

		sizes[sp.shmid] = sp.size;
	}
}

size_t op_wire_config_reply(uint32_t request, uint32_t flags, uint32_t size, uint32_t nregions,
			    const uint64_t sizes[VSF_MAX_SHMEM_REGIONS],
			    uint8_t buf[OP_WIRE_CONFIG_MAX])
{
	uint8_t *cfg = buf + VSF_HEADER_SIZE;
	size_t payload = size < VSF_PAYLOAD_MAX ? size : VSF_PAYLOAD_MAX;

	memset(buf, 0, OP_WIRE_CONFIG_MAX);
	put_header(buf, request, flags, size);
	store_le(cfg + offsetof(struct vsf_wire_shmem_config, nregions), nregions, 4);
	for (size_t i = 0; i < VSF_MAX_SHMEM_REGIONS; i++)
		store_le(cfg + offsetof(struct vsf_wire_shmem_config, memory_sizes) + 8 * i,
			 sizes[i], 8);
	return VSF_HEADER_SIZE + payload;
}

int op_wire_next_message(const uint8_t *bytes, size_t len, size_t *off, struct vsf_wire_header *h)
{
	if (*off == len)
		return 0;
	if (len - *off < VSF_HEADER_SIZE)
		return -ENODATA;
	vsf_decode_header(bytes + *off, h);
	if (h->size > VSF_PAYLOAD_MAX)
		return -EMSGSIZE;
	if (len - *off - VSF_HEADER_SIZE < h->size)
		return -ENODATA;
	*off += VSF_HEADER_SIZE + h->size;
	return 1;
}
