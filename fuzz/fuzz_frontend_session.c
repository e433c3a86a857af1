/* SPDX-License-Identifier: MIT */
/*
 * fuzz_frontend_session: the harness plays the backend on the front-end
 * channel too: the answers to feature negotiation and GET_SHMEM_CONFIG come
 * from the input, then backend messages follow on the channel the front-end
 * handed over with SET_BACKEND_REQ_FD.
 * Input format: program.h; oracles: oracles.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vsf_harness_run(VSF_HARNESS_FRONTEND_SESSION, data, size);
	return 0;
}
