/* SPDX-License-Identifier: MIT */
/*
 * fuzz_backend_channel: the session is already negotiated; config ops
 * configure the regions directly, and every message travels through a real
 * socketpair and the real channel code, replies read back and checked. The
 * front-end, its socketpair and its regions are kept across inputs while
 * proven clean (harness.h).
 * Input format: program.h; oracles: oracles.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The front-end is kept across inputs (harness.h), made before the first. */
__attribute__((constructor)) static void keep_frontend(void)
{
	vsf_harness_keep_frontend(VSF_HARNESS_BACKEND_CHANNEL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vsf_harness_run(VSF_HARNESS_BACKEND_CHANNEL, data, size);
	return 0;
}
