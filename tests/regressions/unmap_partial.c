/* SPDX-License-Identifier: MIT */
/*
 * Regression test: corpus/canaries/fuzz_backend_channel/unmap-partial.txt
 * through the fuzz_backend_channel harness's executor and oracles, no fuzzing
 * engine, no program parser (written by `vsf-prog to-c`). Exits 0 when it
 * runs clean; a finding aborts with its report.
 */
#include <stdio.h>

#include "harness.h"
#include "program.h"

static const uint8_t pairs_0[9] = {
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t data_1[1] = {
	0x66,
};
static const uint8_t handles_2[1] = {
	0x00,
};

static struct vsf_op ops[4] = {
	{ /* op 0: config */
		.code = VSF_OP_CONFIG,
		.config = { .request = 44, .flags = 0x5, .size = 2056, .nregions = 1, .npairs = 1, .pairs = pairs_0 /* u8 shmid, u64 size (LE) */ },
	},
	{ /* op 1: fd */
		.code = VSF_OP_FD,
		.fd = { .handle = 0, .kind = 0, .seals = 0x0, .size = 0x2000 },
		.data = data_1, .data_len = sizeof(data_1),
	},
	{ /* op 2: map */
		.code = VSF_OP_MAP,
		.mmap = { .hflags = 0x9, .shmid = 0, .fd_offset = 0x0, .shm_offset = 0x0, .len = 0x2000, .mflags = 0x1 },
		.nfds = 1, .handles = handles_2,
	},
	{ /* op 3: unmap */
		.code = VSF_OP_UNMAP,
		.mmap = { .hflags = 0x9, .shmid = 0, .fd_offset = 0x0, .shm_offset = 0x0, .len = 0x1000, .mflags = 0x0 },
	},
};

int main(void)
{
	struct vsf_program program = { .ops = ops, .nops = 4 };

	vsf_harness_run_program(VSF_HARNESS_BACKEND_CHANNEL, &program);
	puts("no finding");
	return 0;
}
