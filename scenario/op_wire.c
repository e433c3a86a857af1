/* SPDX-License-Identifier: MIT */
#include "op_wire.h"

#include <errno.h>

#include <string.h>

size_t op_wire_mmap(const struct vsf_op *op, uint8_t buf[OP_WIRE_MMAP_LEN])
{
	struct vsf_wire_header h = {
		.request = op->code == VSF_OP_MAP ? VSF_BACKEND_SHMEM_MAP : VSF_BACKEND_SHMEM_UNMAP,
		.flags = op->mmap.hflags,
		.size = VSF_MMAP_PAYLOAD_SIZE,
	};
	struct vsf_wire_mmap m = {
		.shmid = op->mmap.shmid,
		.fd_offset = op->mmap.fd_offset,
		.shm_offset = op->mmap.shm_offset,
		.len = op->mmap.len,
		.flags = op->mmap.mflags,
	};

	vsf_encode_header(&h, buf);
	vsf_encode_mmap(&m, buf + VSF_HEADER_SIZE);
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
	struct vsf_wire_header h = { request, flags, size };
	struct vsf_wire_shmem_config cfg = { .nregions = nregions };
	size_t payload = size < VSF_PAYLOAD_MAX ? size : VSF_PAYLOAD_MAX;

	memset(buf, 0, OP_WIRE_CONFIG_MAX);
	memcpy(cfg.memory_sizes, sizes, sizeof(cfg.memory_sizes));
	vsf_encode_header(&h, buf);
	vsf_encode_shmem_config(&cfg, buf + VSF_HEADER_SIZE);
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
