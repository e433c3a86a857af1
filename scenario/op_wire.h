/* SPDX-License-Identifier: MIT */
/*
 * The wire bytes that program ops (program.h) stand for on the backend's
 * side: the message of a map or unmap op, and the GET_SHMEM_CONFIG reply of
 * a config op. Shared by the harness and the demo backend, so that an op
 * means the same bytes in a fuzz run and against a real front-end. Written
 * without src/wire.c's encoders (an independent party to the front-end).
 */
#ifndef VSF_OP_WIRE_H
#define VSF_OP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "program.h"
#include "wire.h"

#define OP_WIRE_MMAP_LEN   (VSF_HEADER_SIZE + VSF_MMAP_PAYLOAD_SIZE)
#define OP_WIRE_CONFIG_MAX (VSF_HEADER_SIZE + VSF_PAYLOAD_MAX)

/*
 * The framing of a stream of backend messages: the next whole message in
 * bytes[*off..len). 1 with its header in h and *off past it; 0 at the end;
 * -ENODATA when it is cut short, -EMSGSIZE when its size is above
 * VSF_PAYLOAD_MAX (framing lost), *off unchanged.
 */
int op_wire_next_message(const uint8_t *bytes, size_t len, size_t *off, struct vsf_wire_header *h);

/* SHMEM_MAP / SHMEM_UNMAP from a map or unmap op's fields; returns the length. */
size_t op_wire_mmap(const struct vsf_op *op, uint8_t buf[OP_WIRE_MMAP_LEN]);

/* The sizes a config op sets, by shmid (the others 0). */
void op_wire_config_sizes(const struct vsf_op *op, uint64_t sizes[VSF_MAX_SHMEM_REGIONS]);

/*
 * A GET_SHMEM_CONFIG reply with these header fields, nregions as given and
 * the sizes, its payload cut or zero-padded to size (at most
 * VSF_PAYLOAD_MAX bytes). Returns the length.
 */
size_t op_wire_config_reply(uint32_t request, uint32_t flags, uint32_t size, uint32_t nregions,
			    const uint64_t sizes[VSF_MAX_SHMEM_REGIONS],
			    uint8_t buf[OP_WIRE_CONFIG_MAX]);

#endif
