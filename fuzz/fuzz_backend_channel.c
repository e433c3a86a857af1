/* SPDX-License-Identifier: MIT */
/*
 * fuzz_backend_channel: the session is already negotiated; config ops
 * configure the regions directly, and every message travels through a real
 * socketpair and the real channel code, replies read back and checked.
 * Input format: program.h; oracles: oracles.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vsf_harness_run(VSF_HARNESS_BACKEND_CHANNEL, data, size);
	return 0;
}
