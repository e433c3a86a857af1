/* SPDX-License-Identifier: MIT */
/*
 * Benchmark target, not a harness: an input that does nothing, built with
 * the harnesses' engine, sanitizers and driver (afl_main.c for AFL++). Its
 * exec/s is what the engine itself allows on this machine, the ceiling
 * scripts/bench-fuzz.sh prints next to the harnesses' rates. It decodes one
 * message header, so that libFuzzer sees some coverage (it gives up on a
 * target that has none).
 */
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsf_wire_header h;

	if (size >= VSF_HEADER_SIZE)
		vsf_decode_header(data, &h);
	return 0;
}
