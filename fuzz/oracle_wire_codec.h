/* SPDX-License-Identifier: MIT */
/*
 * The wire-codec oracle: src/wire.c's VhostUserMMap encoder (which no path
 * of the front-end uses: a backend built on the library would) writes the
 * payload the harness writes on its own (scenario/op_wire.c) for the same
 * fields. The header encoder is the replies' (the reply-protocol oracle).
 */
#ifndef VSF_ORACLE_WIRE_CODEC_H
#define VSF_ORACLE_WIRE_CODEC_H

#include "op_wire.h"
#include "oracles.h"
#include "program.h"

/* msg: op_wire_mmap's bytes for the map or unmap op. */
void wire_codec_check_mmap(const struct oracle_where *where, const struct vsf_op *op,
			   const uint8_t msg[OP_WIRE_MMAP_LEN]);

#endif
