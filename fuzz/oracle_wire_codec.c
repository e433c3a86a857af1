/* SPDX-License-Identifier: MIT */
/* The wire-codec oracle (oracle_wire_codec.h). */
#include "oracle_wire_codec.h"

#include "wire.h"

void wire_codec_check_mmap(const struct oracle_where *where, const struct vsf_op *op,
			   const uint8_t msg[OP_WIRE_MMAP_LEN])
{
	const struct vsf_wire_mmap m = {
		.shmid = op->mmap.shmid,
		.fd_offset = op->mmap.fd_offset,
		.shm_offset = op->mmap.shm_offset,
		.len = op->mmap.len,
		.flags = op->mmap.mflags,
	};
	const uint8_t *payload = msg + VSF_HEADER_SIZE;
	uint8_t lib[VSF_MMAP_PAYLOAD_SIZE];
	size_t i;

	vsf_encode_mmap(&m, lib);
	for (i = 0; i < sizeof(lib) && lib[i] == payload[i]; i++)
		;
	ORACLE_CHECK(where, "wire-codec", i == sizeof(lib),
		     "vsf_encode_mmap writes payload byte %zu as 0x%02x, the harness 0x%02x", i,
		     lib[i], payload[i]);
}
